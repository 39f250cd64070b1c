#include "store/auto_gc.hpp"

#include "exec/spawn.hpp"
#include "store/store_access.hpp"
#include "util/clock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

namespace fleche::store {

namespace {

std::string stamp_path(const Store &store) {
    return store.dir() + "/gc.stamp";
}

bool due(const std::string &stamp) {
    struct stat st;
    if (::stat(stamp.c_str(), &st) != 0)
        return true;
    int64_t started = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return now_ns() - started >= auto_gc_interval_ns;
}

// A fresh process (exec'd, not a forked copy: SQLite connections must not
// cross a fork), in its own session, with no link to the user's terminal or
// pipes, and never a zombie of ours (see exec/spawn.hpp).
void spawn_gc() {
    exec::spawn_detached("/proc/self/exe", {"fleche", "gc", "--auto"});
}

} // namespace

void start_gc_if_due(const Store &store, const Limits &limits) {
    std::string stamp = stamp_path(store);
    if (!limits.any() || !due(stamp))
        return;
    // Claim this minute before starting, so that the runs that finish next
    // do not start gcs of their own.
    Fd fd = open_store_file(stamp, O_WRONLY | O_CREAT);
    if (!fd || ::futimens(fd.get(), nullptr) != 0)
        return;
    spawn_gc();
}

Fd try_lock_gc(const Store &store) {
    Fd fd = open_store_file(stamp_path(store), O_RDWR | O_CREAT);
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        fd.reset();
    return fd;
}

} // namespace fleche::store
