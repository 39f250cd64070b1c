#include "util/fs.hpp"

#include "util/error.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche {

void make_directories(const std::string &path, mode_t mode) {
    if (path.empty() || ::mkdir(path.c_str(), mode) == 0 || errno == EEXIST)
        return;
    if (errno == ENOENT) {
        auto slash = path.find_last_of('/');
        if (slash != std::string::npos && slash > 0)
            make_directories(path.substr(0, slash), mode);
        if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST)
            return;
    }
    throw Error(errno_message("cannot create directory '" + path + "'", errno));
}

std::pair<std::string, Fd> make_temp_file(const std::string &prefix) {
    std::string path = prefix + ".XXXXXX";
    int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0)
        throw Error(errno_message("cannot create a temporary file in '" +
                                      prefix.substr(0, prefix.rfind('/')) + "'",
                                  errno));
    return {path, Fd(fd)};
}

TempFile::TempFile(const std::string &prefix) : dir_(AT_FDCWD) {
    auto [path, fd] = make_temp_file(prefix);
    path_ = std::move(path);
    fd_ = std::move(fd);
}

TempFile::TempFile(int dir, const std::string &name) : dir_(dir) {
    // mkostemp's six letters, at a directory fd (glibc has no mkostempat).
    // Unique is enough (O_EXCL settles a collision): whoever can guess them
    // can write in the directory anyway.
    static constexpr char letters[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static std::atomic<uint64_t> counter{0};
    for (int attempt = 0; attempt < 100; ++attempt) {
        uint64_t seed =
            (static_cast<uint64_t>(::getpid()) << 24) ^ counter++ ^
            static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::string path = name + ".";
        for (int i = 0; i < 6; ++i, seed /= sizeof letters - 1)
            path += letters[seed % (sizeof letters - 1)];
        int fd =
            ::openat(dir, path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            path_ = std::move(path);
            fd_ = Fd(fd);
            return;
        }
        if (errno != EEXIST)
            throw Error(errno_message("cannot create a temporary file for '" + name + "'", errno));
    }
    throw Error("cannot create a temporary file for '" + name + "': all names taken");
}

TempFile::~TempFile() {
    if (!committed_ && !path_.empty())
        ::unlinkat(dir_, path_.c_str(), 0);
}

void TempFile::commit(const std::string &target) {
    commit_at(dir_, target);
}

void TempFile::commit_at(int dir, const std::string &name) {
    if (::close(fd_.release()) != 0)
        throw Error(errno_message("cannot write '" + path_ + "'", errno));
    if (::renameat(dir_, path_.c_str(), dir, name.c_str()) != 0)
        throw Error(errno_message("cannot move '" + path_ + "' to '" + name + "'", errno));
    committed_ = true;
}

std::vector<std::string> directory_entries(const std::string &dir) {
    int ignored;
    return directory_entries(dir, ignored);
}

std::vector<std::string> directory_entries(const std::string &dir, int &error) {
    std::vector<std::string> names;
    error = 0;
    DIR *d = ::opendir(dir.c_str());
    if (!d) {
        error = errno;
        return names;
    }
    while (dirent *e = ::readdir(d))
        if (std::string name = e->d_name; name != "." && name != "..")
            names.push_back(name);
    ::closedir(d);
    return names;
}

int directory_entries_at(int fd, std::vector<std::string> &names) {
    alignas(dirent64) char buffer[32768];
    for (;;) {
        ssize_t n = ::getdents64(fd, buffer, sizeof buffer);
        if (n < 0)
            return errno;
        if (n == 0)
            return 0;
        for (ssize_t at = 0; at < n;) {
            const auto *e = reinterpret_cast<const dirent64 *>(buffer + at);
            at += e->d_reclen;
            std::string_view name = e->d_name;
            if (name != "." && name != "..")
                names.emplace_back(name);
        }
    }
}

void remove_tree(const std::string &path) {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

bool path_within(std::string_view path, std::string_view dir) {
    if (dir == "/")
        return true;
    return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

const char *special_file_name(mode_t mode, const char *otherwise) {
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return otherwise;
}

} // namespace fleche
