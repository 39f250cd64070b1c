#include "store/auto_gc.hpp"

#include "exec/spawn.hpp"
#include "store/store_access.hpp"
#include "store/usage_estimate.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/test_hook.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

namespace fleche::store {

namespace {

std::string stamp_path(const Store &store) {
    return store.dir() + "/gc.stamp";
}

uint64_t allocated(const std::string &path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_blocks) * 512 : 0;
}

uint64_t stored_bytes(const Store &store, const Entry &entry) {
    uint64_t bytes = entry_overhead_bytes + allocated(store.blobs().path_of(entry.log_blob));
    for (const auto &output : entry.outputs)
        if (!output.blob.empty())
            bytes += allocated(store.blobs().path_of(output.blob));
    return bytes;
}

bool over(const std::optional<UsageEstimate> &usage, const Limits &limits) {
    if (!usage)
        return true; // never measured
    if (limits.max_size && usage->bytes > *limits.max_size)
        return true;
    return limits.max_age_ns && usage->oldest_use_ns &&
           usage->oldest_use_ns < now_ns() - *limits.max_age_ns;
}

// A fresh process (exec'd, not a forked copy: SQLite connections must not
// cross a fork), in its own session, with no link to the user's terminal or
// pipes, and never a zombie of ours (see exec/spawn.hpp).
void spawn_gc() {
    exec::spawn_detached("/proc/self/exe", {"fleche", "gc", "--auto"});
}

} // namespace

void start_gc_if_due(const Store &store, const Entry &entry, const Limits &limits) {
    if (!limits.max_size && !limits.max_age_ns)
        return;
    if (!over(add_usage(store.dir(), stored_bytes(store, entry), entry.last_use_ns), limits))
        return;
    Fd fd = open_store_file(stamp_path(store), O_WRONLY | O_CREAT);
    if (!fd || ::futimens(fd.get(), nullptr) != 0)
        return;
    test_hook("auto-gc-stamped");
    spawn_gc();
}

Fd try_lock_gc(const Store &store) {
    Fd fd = open_store_file(stamp_path(store), O_RDWR | O_CREAT);
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        fd.reset();
    return fd;
}

Fd lock_gc(const Store &store) {
    std::string path = stamp_path(store);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
    int rc = -1;
    while (fd && (rc = ::flock(fd.get(), LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (!fd || rc != 0)
        throw Error(errno_message("cannot lock '" + path + "'", errno));
    return fd;
}

Limits auto_gc_limits(Limits configured) {
    if (configured.max_size)
        configured.max_size = uint64_t(double(*configured.max_size) * auto_gc_target);
    return configured;
}

} // namespace fleche::store
