#include "store/key_lock.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>

namespace fleche::store {

namespace {

Fd open_lock(const std::string &path) {
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        throw Error(errno_message("cannot create the lock '" + path + "'", errno));
    return fd;
}

void lock_blocking(int fd, const std::string &path) {
    while (::flock(fd, LOCK_EX) != 0)
        if (errno != EINTR)
            throw Error(errno_message("cannot lock '" + path + "'", errno));
}

// gc removes lock files that nobody holds; a lock taken on a file that was
// removed meanwhile protects nothing, so it must be taken again.
bool still_at_path(int fd, const std::string &path) {
    struct stat held, current;
    return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &current) == 0 &&
           held.st_dev == current.st_dev && held.st_ino == current.st_ino;
}

} // namespace

KeyLock::KeyLock(const std::string &path, int notice_ms, const std::function<void()> &on_wait) {
    auto start = std::chrono::steady_clock::now();
    bool told = false;
    for (;;) {
        fd_ = open_lock(path);
        // Poll briefly first so that the common short wait stays quiet, then
        // say why we wait and block.
        while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR)
                throw Error(errno_message("cannot lock '" + path + "'", errno));
            if (told || std::chrono::steady_clock::now() - start >=
                            std::chrono::milliseconds(notice_ms)) {
                if (!told)
                    on_wait();
                told = true;
                lock_blocking(fd_.get(), path);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (still_at_path(fd_.get(), path))
            return;
    }
}

std::optional<KeyLock> KeyLock::try_lock(const std::string &path) {
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        throw Error(errno_message("cannot create the lock '" + path + "'", errno));
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return std::nullopt;
        if (errno != EINTR)
            throw Error(errno_message("cannot lock '" + path + "'", errno));
    }
    return KeyLock(std::move(fd));
}

} // namespace fleche::store
