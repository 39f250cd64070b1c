#include "store/key_lock.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>

namespace fleche::store {

KeyLock::KeyLock(const std::string &path, int notice_ms, const std::function<void()> &on_wait)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (!fd_)
        throw Error(errno_message("cannot create the lock '" + path + "'", errno));
    auto start = std::chrono::steady_clock::now();
    // Poll briefly first so that the common short wait stays quiet, then
    // say why we wait and block.
    while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            throw Error(errno_message("cannot lock '" + path + "'", errno));
        if (std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(notice_ms)) {
            on_wait();
            while (::flock(fd_.get(), LOCK_EX) != 0)
                if (errno != EINTR)
                    throw Error(errno_message("cannot lock '" + path + "'", errno));
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
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
