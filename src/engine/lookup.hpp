// Finding a usable entry for a key, and replaying it.
#pragma once

#include "engine/prepared_key.hpp"
#include "store/output_log.hpp"
#include "store/storage.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>

namespace fleche::engine {

inline constexpr const char *nothing_stored = "nothing stored under this key";

struct Lookup {
    std::optional<store::Entry> entry; // set when the entry may be replayed
    std::string miss_reason;           // why not, for -v
    std::string damage;                // a damaged entry file: what is wrong, for a warning
};

// Through the storage only (an entry file): no index is opened. An entry
// with a non-zero exit code is only usable with --cache-failures. Never
// throws, and warns only of a different invocation under the key (damage
// is left to the caller to report).
// `entry_key` names the entry: the key itself, or for a traced key the K2
// its path sets gave (traced_lookup.hpp); the entry's record must be the key's.
Lookup find_entry(store::Storage &storage, const PreparedKey &key, bool accept_failures,
                  const std::string &entry_key);
inline Lookup find_entry(store::Storage &storage, const PreparedKey &key, bool accept_failures) {
    return find_entry(storage, key, accept_failures, key.key);
}

inline constexpr const char *merged_log_elsewhere =
    "the stored run had stdout and stderr as one file, in exact order; now they are not one file";
inline constexpr const char *damaged_entry = "the stored entry is damaged";

// Whether a log chunk of `stream` can be replayed where fds 1 and 2 are one
// file (`one_file`, from exec::stdout_is_stderr()) or not: a merged chunk
// cannot be split into stdout and stderr again. The one test that run (as
// it replays) and has and explain (through replay_obstacle) apply.
bool replayable(store::Stream stream, bool one_file);

// Why run would not replay `entry` with fds 1 and 2 as they are now, found
// without replaying it, for has and explain: damaged_entry (the log does not
// check out, an output blob is missing) or merged_log_elsewhere. Empty when
// run would replay it. Reads the whole log; restores and writes nothing.
std::string replay_obstacle(const store::BlobStore &blobs, const store::Entry &entry);

struct Replay {
    bool replayed = false; // false: the log cannot be replayed here (merged_log_elsewhere)
    int status = 0;        // what fleche exits with when it was replayed
};

// Restores the outputs, then writes the log to fds 1 and 2. Nothing reaches
// fds 1 and 2 unless the log blob checked out. A log of merged stdout and
// stderr is replayed only when fds 1 and 2 are one file now; nothing is
// restored or written otherwise. Throws BlobCorrupt or Error.
Replay replay_entry(const store::BlobStore &blobs, const store::Entry &entry);

} // namespace fleche::engine
