// What gc and verify walk: the entries with the blobs they reference, and
// the blob files under objects/.
#pragma once

#include "store/index.hpp"

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace fleche::store {

struct EntryRef {
    std::string key;
    std::string command;
    int64_t last_use_ns = 0;
    std::vector<std::string> blobs; // the log first, then output files
    uint64_t own_bytes = 0;         // besides blobs: its entry file, its index rows (gc)
};

// Every entry of the index, most recently used first. Throws Error.
std::vector<EntryRef> list_entries(Index &index);

// Adds to `blobs` those of the entries last used at or after `since_ns`
// (gc: what entries stored since its snapshot reference). Throws Error.
void add_blobs_used_since(Index &index, int64_t since_ns, std::unordered_set<std::string> &blobs);

struct BlobFile {
    std::string digest; // from its name
    std::string path;
    uint64_t size = 0; // on disk
    int64_t mtime_ns = 0;
};

// Every file under objects/ whose path is a blob name (ab/cdef..., hex),
// sorted by digest. Files with other names are not fleche's and are left alone.
std::vector<BlobFile> list_blob_files(const std::string &store_dir);

} // namespace fleche::store
