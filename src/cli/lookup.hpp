// Finding a usable entry for a key, and replaying it.
#pragma once

#include "cli/prepared_key.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>

namespace fleche::cli {

inline constexpr const char *nothing_stored = "nothing stored under this key";

struct Lookup {
    std::optional<store::Entry> entry; // set when the entry may be replayed
    std::string miss_reason;           // why not, for -v
};

// An entry with a non-zero exit code is only usable with --cache-failures.
Lookup find_entry(store::Index &index, const PreparedKey &key, bool accept_failures);

inline constexpr const char *merged_log_elsewhere =
    "the stored run had stdout and stderr as one file, in exact order; now they are not one file";

struct Replay {
    bool replayed = false; // false: the log cannot be replayed here (merged_log_elsewhere)
    int status = 0;        // what fleche exits with when it was replayed
};

// Restores the outputs, then writes the log to fds 1 and 2. Nothing reaches
// fds 1 and 2 unless the log blob checked out. A log of merged stdout and
// stderr is replayed only when fds 1 and 2 are one file now; nothing is
// restored or written otherwise. Throws BlobCorrupt or Error.
Replay replay_entry(const store::BlobStore &blobs, const store::Entry &entry);

} // namespace fleche::cli
