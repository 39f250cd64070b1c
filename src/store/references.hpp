// What gc and verify walk: the entries with the blobs they reference, and
// the blob files under objects/.
#pragma once

#include "store/index.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fleche::store {

struct EntryRef {
    std::string key;
    std::string command;
    int64_t last_use_ns = 0;
    std::vector<std::string> blobs; // the log first, then output files
};

// Every entry of the index, most recently used first. Throws Error.
std::vector<EntryRef> list_entries(Index &index);

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
