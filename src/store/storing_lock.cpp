#include "store/storing_lock.hpp"

#include "store/store_access.hpp"
#include "util/error.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::store {

namespace {

int open_lock(const std::string &path) {
    return open_store_file(path, O_WRONLY | O_APPEND | O_CREAT).release();
}

int flock_retrying(int fd, int operation) {
    int rc;
    while ((rc = ::flock(fd, operation)) != 0 && errno == EINTR) {
    }
    return rc;
}

} // namespace

std::string storing_lock_path(const std::string &store_dir) {
    return store_dir + "/locks/storing";
}

StoringGuard::StoringGuard(const Store &store) noexcept
    : fd_(open_lock(storing_lock_path(store.dir()))) {
    if (fd_ && flock_retrying(fd_.get(), LOCK_SH) != 0)
        fd_.reset();
    test_hook("storing-shared");
}

StoringGuard::~StoringGuard() {
    if (!fd_)
        return;
    // Before unlocking, so that gc sees the count grow whenever it may have
    // missed this run's entry.
    [[maybe_unused]] ssize_t n = ::write(fd_.get(), "s", 1);
    test_hook("storing-counted");
}

StoringBarrier::StoringBarrier(const std::string &store_dir)
    : path_(storing_lock_path(store_dir)), fd_(open_lock(path_)) {
    if (!fd_)
        throw Error(errno_message("cannot open '" + path_ + "'", errno));
}

void StoringBarrier::lock() {
    if (flock_retrying(fd_.get(), LOCK_EX) != 0)
        throw Error(errno_message("cannot lock '" + path_ + "'", errno));
}

bool StoringBarrier::try_lock() noexcept {
    return flock_retrying(fd_.get(), LOCK_EX | LOCK_NB) == 0;
}

void StoringBarrier::unlock() noexcept {
    ::flock(fd_.get(), LOCK_UN);
}

uint64_t StoringBarrier::stored_since_reset() const {
    struct stat st;
    if (::fstat(fd_.get(), &st) != 0)
        throw Error(errno_message("cannot stat '" + path_ + "'", errno));
    return static_cast<uint64_t>(st.st_size);
}

void StoringBarrier::reset() {
    if (::ftruncate(fd_.get(), 0) != 0)
        throw Error(errno_message("cannot truncate '" + path_ + "'", errno));
    test_hook("barrier-reset");
}

} // namespace fleche::store
