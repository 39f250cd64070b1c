#include "util/beneath.hpp"

#include "util/test_hook.hpp"
#include <atomic>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fleche {

bool is_beneath_path(std::string_view path) {
    if (path.empty() || path.front() == '/')
        return false;
    size_t start = 0;
    for (;;) {
        size_t slash = path.find('/', start);
        std::string_view name = path.substr(start, slash - start);
        if (name.empty() || name == "." || name == "..")
            return false;
        if (slash == std::string_view::npos)
            return true;
        start = slash + 1;
    }
}

namespace {

constexpr int dir_flags = O_PATH | O_DIRECTORY | O_CLOEXEC;

// Set once openat2 turns out to be missing (ENOSYS) or filtered (EPERM).
std::atomic<bool> no_openat2{false};

// -1 with errno when the kernel cannot say; errno ENOSYS then means "walk".
int try_openat2(int root, const std::string &dir, int flags = dir_flags, mode_t mode = 0) {
    if (no_openat2.load(std::memory_order_relaxed)) {
        errno = ENOSYS;
        return -1;
    }
    open_how how{};
    how.flags = static_cast<uint64_t>(flags);
    how.mode = flags & (O_CREAT | O_TMPFILE) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd;
    do
        fd = static_cast<int>(::syscall(SYS_openat2, root, dir.c_str(), &how, sizeof how));
    while (fd < 0 && errno == EAGAIN); // a concurrent rename: the kernel asks to retry
    if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
        no_openat2.store(true, std::memory_order_relaxed);
        errno = ENOSYS;
    }
    return fd;
}

Fd walk(int root, std::string_view dir, bool create, mode_t mode) {
    Fd current(::openat(root, ".", dir_flags));
    size_t start = 0;
    while (current && start < dir.size()) {
        size_t slash = dir.find('/', start);
        std::string name(dir.substr(start, slash - start));
        int fd = ::openat(current.get(), name.c_str(), dir_flags | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT && create) {
            if (::mkdirat(current.get(), name.c_str(), mode) != 0 && errno != EEXIST)
                return Fd();
            test_hook("beneath-directory-made");
            fd = ::openat(current.get(), name.c_str(), dir_flags | O_NOFOLLOW);
        }
        if (fd < 0)
            return Fd();
        current = Fd(fd);
        start = slash == std::string_view::npos ? dir.size() : slash + 1;
    }
    return current;
}

} // namespace

void open_beneath_without_openat2() {
    no_openat2.store(true);
}

Fd open_beneath(int root, std::string_view dir, bool create, mode_t mode) {
    if (dir == ".")
        return Fd(::openat(root, ".", dir_flags));
    if (!is_beneath_path(dir)) {
        errno = EINVAL;
        return Fd();
    }
    int fd = try_openat2(root, std::string(dir));
    if (fd >= 0)
        return Fd(fd);
    if (errno == ENOSYS || (errno == ENOENT && create))
        return walk(root, dir, create, mode);
    return Fd();
}

Fd open_file_beneath(int root, std::string_view path, int flags, mode_t mode) {
    if (!is_beneath_path(path)) {
        errno = EINVAL;
        return Fd();
    }
    int fd = try_openat2(root, std::string(path), flags | O_NOFOLLOW, mode);
    if (fd >= 0 || errno != ENOSYS)
        return Fd(fd);
    size_t slash = path.rfind('/');
    Fd dir = open_beneath(root, slash == std::string_view::npos ? "." : path.substr(0, slash));
    if (!dir)
        return dir;
    std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
    return Fd(::openat(dir.get(), name.c_str(), flags | O_NOFOLLOW, mode));
}

void remove_tree_at(int dir, const std::string &name, const struct stat *keep) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        ::unlinkat(dir, name.c_str(), 0);
        return;
    }
    if (keep && same_file(st, *keep))
        return;
    int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    if (DIR *d = ::fdopendir(fd)) {
        while (dirent *e = ::readdir(d))
            if (std::string child = e->d_name; child != "." && child != "..")
                remove_tree_at(::dirfd(d), child, keep), test_hook("tree-child-removed");
        ::closedir(d);
    } else {
        ::close(fd);
    }
    ::unlinkat(dir, name.c_str(), AT_REMOVEDIR);
}

} // namespace fleche
