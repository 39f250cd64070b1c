// Garbage collection: evict entries least recently used first (globally,
// across all shards), then delete blobs that no entry references, then stale
// temporary files and leftover lock files.
//
// Order of operations with concurrent runs: a run renames its blobs into
// objects/ before it commits the index row that names them, so for a moment
// a needed blob looks like an orphan. gc therefore never deletes an orphan
// blob younger than blob_grace_ns (BlobWriter::commit always renames a
// freshly written file, even over an existing blob, so a blob that a run has
// just stored again is young too). To close the gap between looking at a
// blob and deleting it, gc first renames the orphan into tmp/, looks at the
// mtime of what it moved, and moves it back if a run has just rewritten it.
#pragma once

#include "store/limits.hpp"
#include "store/references.hpp"
#include "store/store.hpp"

#include <functional>
#include <string>
#include <vector>

namespace fleche::store {

inline constexpr int64_t blob_grace_ns = 10 * 60 * 1000000000ll;
inline constexpr int64_t stale_temp_ns = 60 * 60 * 1000000000ll;

struct GcResult {
    size_t entries = 0;      // evicted
    size_t blobs = 0;        // orphan blobs deleted...
    uint64_t blob_bytes = 0; // ...and their size on disk
    size_t recent_blobs = 0; // orphans kept by the grace period
    size_t temps = 0;
    uint64_t temp_bytes = 0;
    size_t locks = 0;
    size_t kept_entries = 0;
    uint64_t kept_bytes = 0; // blobs left on disk
};

using Report = std::function<void(const std::string &)>;

// Which of `entries` (most recently used first) to evict so that the rest
// fits the limits; returns their positions. `blob_size` gives a blob's size
// on disk (a blob shared by entries counts once).
std::vector<size_t> plan_eviction(const std::vector<EntryRef> &entries,
                                  const std::function<uint64_t(const std::string &)> &blob_size,
                                  const Limits &limits, int64_t now_ns);

// Runs gc (or, with dry_run, says what it would do); `verbose` gets one line
// per entry, blob, temporary file and lock removed. Throws Error.
GcResult collect_garbage(Store &store, const Limits &limits, bool dry_run, const Report &verbose);

// Removes one orphan blob unless it was rewritten within the grace period
// (see above); returns whether it was removed.
bool remove_orphan_blob(const Store &store, const BlobFile &blob, int64_t now_ns);

// Stale files under tmp/ and lock files that nobody holds, removed (or
// counted, with dry_run) into `result`.
void sweep_temps_and_locks(const Store &store, bool dry_run, int64_t now_ns, GcResult &result,
                           const Report &verbose);

} // namespace fleche::store
