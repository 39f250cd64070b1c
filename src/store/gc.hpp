// Garbage collection: evict entries least recently used first (globally,
// across all shards) until the store fits its limits, then delete blobs that
// no entry references, then stale temporary files and leftover lock files.
//
// --max-size is the size of the whole store on disk as `du -s -B1` measures
// it (see disk_usage.hpp): blobs, entry files, the index and its WAL, tmp/,
// locks/, hits.log. gc plans the eviction from one measurement, evicts,
// sweeps, compacts the index (checkpoint, and VACUUM when it holds free
// pages), measures again and evicts more while the store is still over the
// limit, so that when it returns the store is at most the limit (unless what
// is left is only what no gc may remove: the empty layout and the files of
// runs in progress).
//
// Orphans go at once, with no grace period: a run that is storing holds the
// shared side of the storing lock, and gc deletes orphans only under its
// exclusive side, in short batches, after re-reading the entries stored since
// its snapshot whenever a storing run finished in between (see
// storing_lock.hpp). The caller holds the gc lock (auto_gc.hpp try_lock_gc or
// lock_gc): one gc at a time.
//
// At scale: the chosen entries leave the index in one statement per table
// (Index::remove_unused), their files and the orphans are unlinked many at a
// time on threads (unlink_files.hpp: an unlink may wait on the disk), and the
// walk of the store runs beside the listing of the index. Without a size
// limit, the plan weighs no blob.
//
// Kill points (util/test_hook.hpp): gc-evict (before the eviction's
// transaction), gc-evicted (after it), gc-blob-removed (after each orphan
// blob), gc-temp-removed, gc-lock-removed, gc-compact (before compacting the
// index), gc-compacted, gc-measured (after each measurement of the store).
#pragma once

#include "store/limits.hpp"
#include "store/references.hpp"
#include "store/store.hpp"

#include <functional>
#include <string>
#include <vector>

namespace fleche::store {

inline constexpr int64_t stale_temp_ns = 60 * 60 * 1000000000ll;

struct GcResult {
    size_t entries = 0;      // evicted
    size_t blobs = 0;        // orphan blobs deleted...
    uint64_t blob_bytes = 0; // ...and their size on disk
    size_t temps = 0;
    uint64_t temp_bytes = 0;
    size_t locks = 0;
    size_t kept_entries = 0;
    uint64_t kept_bytes = 0;  // blobs left on disk
    uint64_t store_bytes = 0; // the whole store on disk when gc returned (0: not measured)
};

using Report = std::function<void(const std::string &)>;

// Which of `entries` (most recently used first) to evict so that the rest
// fits the limits; returns their positions. `blob_size` gives a blob's size
// on disk (a blob shared by entries counts once); each entry's own_bytes
// count too.
std::vector<size_t> plan_eviction(const std::vector<EntryRef> &entries,
                                  const std::function<uint64_t(const std::string &)> &blob_size,
                                  const Limits &limits, int64_t now_ns);

// Runs gc (or, with dry_run, says what it would do); `verbose` gets one line
// per entry, blob, temporary file and lock removed. Throws Error.
GcResult collect_garbage(Store &store, const Limits &limits, bool dry_run, const Report &verbose);

// Stale files under tmp/ and lock files that nobody holds, removed (or
// counted, with dry_run) into `result`.
void sweep_temps_and_locks(const Store &store, bool dry_run, int64_t now_ns, GcResult &result,
                           const Report &verbose);

} // namespace fleche::store
