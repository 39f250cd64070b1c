#include "store/disk_usage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace fleche::store {

namespace {

class Walk {
  public:
    explicit Walk(const UsageVisitor &visitor) : visitor_(visitor) {}

    uint64_t directory(int dir_fd, const std::string &relative) {
        uint64_t total = 0;
        DIR *dir = ::fdopendir(dir_fd);
        if (!dir) {
            ::close(dir_fd);
            return 0;
        }
        while (const dirent *item = ::readdir(dir)) {
            std::string name = item->d_name;
            if (name == "." || name == "..")
                continue;
            struct stat st;
            if (::fstatat(::dirfd(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                !first_link(st))
                continue;
            total += allocated(st);
            std::string path = relative.empty() ? name : relative + "/" + name;
            if (S_ISDIR(st.st_mode)) {
                if (visitor_)
                    visitor_(path, allocated(st), true);
                int child = ::openat(::dirfd(dir), name.c_str(),
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child >= 0)
                    total += directory(child, path);
            } else if (S_ISREG(st.st_mode) && visitor_) {
                visitor_(path, allocated(st), false);
            }
        }
        ::closedir(dir);
        return total;
    }

    static uint64_t allocated(const struct stat &st) { return uint64_t(st.st_blocks) * 512; }

    bool first_link(const struct stat &st) {
        return S_ISDIR(st.st_mode) || st.st_nlink < 2 || seen_.emplace(st.st_dev, st.st_ino).second;
    }

  private:
    const UsageVisitor &visitor_;
    std::set<std::pair<dev_t, ino_t>> seen_;
};

} // namespace

uint64_t disk_usage(const std::string &dir, const UsageVisitor &visitor) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return 0;
    }
    Walk walk(visitor);
    return Walk::allocated(st) + walk.directory(fd, "");
}

} // namespace fleche::store
