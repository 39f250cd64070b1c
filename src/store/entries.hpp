// The entry files of a store: entries/ab/<the other 62 hex digits of the
// key>, one per key, in the format of entry_file.hpp. They are the truth of
// the store; the index (index.hpp) is derived from them and can be rebuilt
// by walking them (for_each).
//
// An entry file is written after the blobs it names (temp file in tmp/, then
// rename, without fsync: as blobs are), so that a reader never sees half an
// entry or an entry whose blobs were never written. A reader verifies it:
// the checksum, the key inside against the file's name, and the key against
// the SHA-256 of the key record; anything else is damage, reported, never
// replayed. Entry files are opened without following symlinks.
#pragma once

#include "store/entry.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fleche::store {

struct EntryRead {
    std::optional<Entry> entry; // a verified entry
    std::string damage;         // without one: what is wrong with the file
                                // (empty: there is no file, a plain miss)
};

// The bytes of an entry file (entry_file.hpp), verified as the entry of
// `key`: its checksum, the key inside, and the key against its key record
// (and first path set, for a traced entry). nullopt with `why` otherwise.
// Entry files and entries fetched from a remote cache are checked by it.
std::optional<Entry> decode_entry_of(std::string_view bytes, const std::string &key,
                                     std::string &why) noexcept;

class EntryFiles {
  public:
    // `store_dir` holds entries/ and tmp/.
    explicit EntryFiles(const std::string &store_dir)
        : root_(store_dir + "/entries"), tmp_(store_dir + "/tmp") {}

    std::string path_of(const std::string &key) const;
    const std::string &root() const { return root_; }

    // Never throws: the hit path calls it.
    EntryRead read(const std::string &key) const noexcept;
    // Replaces any entry of the same key. Throws Error (and leaves no file).
    void write(const Entry &entry) const;
    // False when there was none (or it could not be removed).
    bool remove(const std::string &key) const noexcept;
    // Calls `visit` with the key of each entry file (not read, in no
    // particular order); names that are not keys are skipped.
    void for_each_key(const std::function<void(const std::string &key)> &visit) const;
    // The same, read and verified (rebuilding the index, migrating).
    void
    for_each(const std::function<void(const std::string &key, const EntryRead &)> &visit) const;

  private:
    std::string root_;
    std::string tmp_;
};

} // namespace fleche::store
