// What the store holds, for `fleche stats`: entries and the bytes on disk of
// the blobs they reference, in all or per entry name.
//
// Sizes have one definition throughout (text, --by name, --json): the bytes
// on disk of the blob files under objects/ that hold them, each blob once;
// the figure gc's max_size limits, and close to `du -sb objects/`. Nothing in
// tmp/ or locks/ counts: those are writes in progress and leftovers.
#pragma once

#include "store/references.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fleche::store {

class Index;

struct Holdings {
    int64_t entries = 0;
    uint64_t size = 0; // on disk, of the blobs the entries reference
};

struct BlobSizes {
    uint64_t logical = 0, disk = 0; // uncompressed (from the headers), on disk
};

// The sizes of the blobs in `files`; a file that is not a blob is not counted.
BlobSizes blob_sizes(const std::vector<BlobFile> &files);

// The number of entries under "" (the grand total, size left 0: it is that
// of every blob in `files`), or per name, with the size on disk of the
// blobs in `files` that the entries of the name reference, a blob shared by
// two entries of a name counted once for it. Throws Error.
std::map<std::string, Holdings> read_holdings(Index &index, bool by_name,
                                              const std::vector<BlobFile> &files);

} // namespace fleche::store
