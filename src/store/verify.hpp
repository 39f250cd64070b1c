// fleche verify: re-hash every blob against its name, check every entry's
// references and key, and optionally repair what is broken.
#pragma once

#include "store/store.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fleche::store {

struct VerifyResult {
    size_t blobs = 0;
    uint64_t blob_bytes = 0;
    size_t entries = 0;
    std::vector<std::string> problems; // one sentence each
    bool index_damaged = false;        // found by SQLite's check of the index
    bool index_rebuilt = false;        // with repair: moved aside and rebuilt
    std::vector<std::string> broken_entries;
    std::vector<std::string> damaged_blobs; // paths
    size_t orphans = 0;                     // blobs no entry references: harmless, gc removes them
    uint64_t orphan_bytes = 0;
    size_t damaged_orphans = 0; // of those, damaged: left by a repair run, say
    // with repair
    size_t removed_entries = 0, removed_blobs = 0;
};

// Called with (blobs checked, blobs in all) while blobs are checked.
using VerifyProgress = std::function<void(size_t, size_t)>;

// With `repair`, rebuilds a damaged index (Store::rebuild_damaged_index) and
// drops broken entries, damaged blobs and orphan blobs (those older than gc's
// grace period). Throws Error when the index cannot be read.
VerifyResult verify_store(Store &store, bool repair, const VerifyProgress &progress);

} // namespace fleche::store
