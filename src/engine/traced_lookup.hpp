// The first level of a traced key: from K1 (the invocation) to K2 (the
// entry) through the path sets that earlier traced runs of K1 saw
// (store/path_set_list.hpp), the first that the file system matches now.
#pragma once

#include "engine/lookup.hpp"
#include "engine/prepared_key.hpp"
#include "key/file_hasher.hpp"
#include "key/path_set.hpp"
#include "store/storage.hpp"

#include <optional>
#include <string>

namespace fleche::engine {

struct PathSetMatch {
    std::optional<std::string> entry_key; // K2 of the first path set that matches now
    store::PathSet path_set;              // that path set: the entry's must be the same
    size_t tried = 0;                     // path sets compared
    size_t position = 0;                  // of the match, from 1 (newest)
    // No match: why, for -v and explain ("input a/h.h: appeared", of the
    // newest path set; or that none is stored).
    std::string miss_reason;
};

// Where the traced paths of this run are keyed from: the working directory
// and --base-dir.
key::PathKeying path_keying(const key::Invocation &invocation);

// Never throws: a missing or damaged list is a miss. The list is not
// trusted to pair each path set with its K2 (which would cost hashing the
// path set again): the entry file, verified against its K2, must hold the
// same path set (same_path_set) before it is replayed.
PathSetMatch match_path_sets(store::Storage &storage, const PreparedKey &key,
                             const key::PathKeying &keying, key::FileHasher &hasher);

// find_entry (lookup.hpp) of the entry that `match` names, usable only when
// it was stored with the path set that matched.
Lookup find_traced_entry(store::Storage &storage, const PreparedKey &key, bool accept_failures,
                         const PathSetMatch &match);

} // namespace fleche::engine
