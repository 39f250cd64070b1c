// The file-level half of gc: stale temporary files, leftover locks, and
// verify --repair's orphan blobs (see gc.hpp for why each removal is safe
// next to running stores).
#include "store/gc.hpp"

#include "store/storing_lock.hpp"

#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/test_hook.hpp"
#include "util/units.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fleche::store {

namespace {

int64_t mtime_ns(const struct stat &st) {
    return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

void sweep_temps(const Store &store, bool dry_run, int64_t now, GcResult &result,
                 const Report &verbose) {
    for (const auto &name : directory_entries(store.tmp_dir())) {
        std::string path = store.tmp_dir() + "/" + name;
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
            mtime_ns(st) >= now - stale_temp_ns)
            continue;
        if (!dry_run && ::unlink(path.c_str()) != 0)
            continue;
        test_hook("gc-temp-removed");
        ++result.temps;
        result.temp_bytes += static_cast<uint64_t>(st.st_size);
        if (verbose)
            verbose(std::string(dry_run ? "would remove" : "removed") + " temporary file " + path +
                    " (" + format_size(static_cast<uint64_t>(st.st_size)) + ")");
    }
}

// A lock file that we can lock is not in use. KeyLock re-checks after locking
// that its file is still the one at the path, so removing it here cannot let
// two identical runs both believe they hold the lock. The storing lock stays:
// a run that opened it just before an unlink would lock a file gc no longer
// sees.
void sweep_locks(const Store &store, bool dry_run, GcResult &result, const Report &verbose) {
    std::string dir = store.dir() + "/locks";
    for (const auto &name : directory_entries(dir)) {
        std::string path = dir + "/" + name;
        if (path == storing_lock_path(store.dir()))
            continue;
        Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
        if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
            continue;
        if (!dry_run && ::unlink(path.c_str()) != 0)
            continue;
        test_hook("gc-lock-removed");
        ++result.locks;
        if (verbose)
            verbose(std::string(dry_run ? "would remove" : "removed") + " unused lock " + path);
    }
}

} // namespace

void sweep_temps_and_locks(const Store &store, bool dry_run, int64_t now, GcResult &result,
                           const Report &verbose) {
    sweep_temps(store, dry_run, now, result, verbose);
    sweep_locks(store, dry_run, result, verbose);
}

} // namespace fleche::store
