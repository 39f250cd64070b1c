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

// Restores the outputs, then writes the log to fds 1 and 2. Nothing reaches
// fds 1 and 2 unless the log blob checked out. Throws BlobCorrupt or Error.
void replay_entry(const store::BlobStore &blobs, const store::Entry &entry);

} // namespace fleche::cli
