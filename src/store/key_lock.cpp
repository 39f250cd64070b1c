#include "store/key_lock.hpp"

#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <string_view>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fleche::store {

namespace {

Fd open_lock(const std::string &path) {
    Fd fd = open_store_file(path, O_RDWR | O_CREAT);
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

// Version 1 of the mark (key_lock.hpp).
static_assert(lock_mark_format_version == 1);
constexpr std::string_view finished_mark = "finished\n";

} // namespace

KeyLock::KeyLock(const std::string &path, int notice_ms, const std::function<void()> &on_wait) {
    auto start = std::chrono::steady_clock::now();
    bool told = false;
    for (;;) {
        fd_ = open_lock(path);
        test_hook("key-lock-opened");
        // Poll briefly first so that the common short wait stays quiet, then
        // say why we wait and block.
        while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR)
                throw Error(errno_message("cannot lock '" + path + "'", errno));
            waited_ = waited_ || errno == EWOULDBLOCK;
            if (told ||
                std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(notice_ms)) {
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
    for (;;) {
        Fd fd = open_lock(path);
        test_hook("lock-opened");
        while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK)
                return std::nullopt;
            if (errno != EINTR)
                throw Error(errno_message("cannot lock '" + path + "'", errno));
        }
        // As in the constructor: gc may have removed the file between our
        // open and our flock, and a newer file at the path may be held.
        if (still_at_path(fd.get(), path))
            return KeyLock(std::move(fd));
    }
}

// Both marks are best effort (see the header): an old mark left in place only
// makes a waiter run without storing, a missing one makes it run as a holder.
void KeyLock::run_started() {
    if (::ftruncate(fd_.get(), 0) != 0)
        return;
    test_hook("run-started");
}

void KeyLock::run_finished() {
    if (::pwrite(fd_.get(), finished_mark.data(), finished_mark.size(), 0) < 0)
        return;
    test_hook("run-finished");
}

bool KeyLock::last_run_finished() const {
    char text[finished_mark.size() + 1];
    ssize_t n = ::pread(fd_.get(), text, sizeof text, 0);
    return n == ssize_t(finished_mark.size()) && std::string_view(text, size_t(n)) == finished_mark;
}

} // namespace fleche::store
