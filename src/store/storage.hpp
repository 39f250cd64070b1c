// Storage: where entries and blobs are got and put, behind one interface, so
// that the engine does not know whether a result comes from the local store
// (local_storage.hpp, the first implementation), a second local layer, or a
// remote cache.
//
// The shape is that of the remote caches it must admit, which move two
// kinds of things:
//   - an entry, as the bytes of its file (entry_file.hpp), named by its key:
//     the Bazel HTTP cache's ac/<key>, a Redis key. The bytes carry their
//     own checksum and key, so any backend verifies what it gets with
//     decode_entry and the key checks of EntryFiles::read;
//   - a blob, as its uncompressed content, named by the SHA-256 of that
//     content: cas/<sha256>, verified against its name as it streams.
// Entries name blobs and never the other way round, so a backend puts an
// entry only after its blobs (put_entry's callers do), and a layered
// Storage (local in front of remote, write-back) tries its layers in order
// on get and fills the nearer ones from the farther.
//
// The rules for every implementation: get_entry never throws (the hit path);
// a damaged or unverifiable entry is reported as damage, a miss, never
// returned; get_blob sends nothing of a blob that does not check out; a
// failing backend is a miss, never a failed command.
#pragma once

#include "store/entries.hpp"
#include "store/entry.hpp"
#include "store/path_set_list.hpp"

#include <functional>
#include <string>

namespace fleche::store {

using BlobSink = std::function<void(const char *, size_t)>;
// Produces a blob's content by calling its argument with each piece in order.
using BlobSource = std::function<void(const BlobSink &)>;

class Storage {
  public:
    virtual ~Storage() = default;

    // The verified entry of `key`, or none (with EntryRead::damage saying
    // why, when there is a damaged one). Never throws.
    virtual EntryRead get_entry(const std::string &key) noexcept = 0;
    // Stores `entry` (replacing one of the same key) once the blobs it
    // names are stored. Throws Error.
    virtual void put_entry(const Entry &entry) = 0;
    virtual bool has_entry(const std::string &key) noexcept = 0;

    // Streams the content of blob `digest` to `sink` after checking it.
    // Throws BlobCorrupt (missing or damaged) or Error.
    virtual void get_blob(const std::string &digest, const BlobSink &sink) = 0;
    // Stores what `source` produces, which must have SHA-256 `digest`:
    // anything else is refused (BlobCorrupt) and nothing is stored. Throws Error.
    virtual void put_blob(const std::string &digest, const BlobSource &source) = 0;
    virtual bool has_blob(const std::string &digest) noexcept = 0;

    // The path-set list of traced key `k1` (path_set_list.hpp), or none: no
    // list, or a damaged one (a miss, never an error). Never throws.
    virtual std::optional<PathSetList> get_path_sets(const std::string &k1) noexcept = 0;
    // Replaces the list of list.key; the caller holds its key lock and has
    // merged (prepend_path_set). Throws Error.
    virtual void put_path_sets(const PathSetList &list) = 0;
};

} // namespace fleche::store
