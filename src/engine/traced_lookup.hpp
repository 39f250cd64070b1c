// The first level of a traced key: from K1 (the invocation) to K2 (the
// entry) through the path sets that earlier traced runs of K1 saw
// (store/path_set_list.hpp), the first that the file system matches now.
#pragma once

#include "engine/prepared_key.hpp"
#include "key/file_hasher.hpp"
#include "key/path_set.hpp"
#include "store/storage.hpp"

#include <optional>
#include <string>

namespace fleche::engine {

struct PathSetMatch {
    std::optional<std::string> entry_key; // K2 of the first path set that matches now
    size_t tried = 0;                     // path sets compared
    size_t position = 0;                  // of the match, from 1 (newest)
    // No match: why, for -v and explain ("input a/h.h: appeared", of the
    // newest path set; or that none is stored).
    std::string miss_reason;
};

// Where the traced paths of this run are keyed from: the working directory
// and --base-dir.
key::PathKeying path_keying(const key::Invocation &invocation);

// Never throws: a missing or damaged list is a miss. An item whose K2 is not
// the one its path set gives (a tampered list) is passed over.
PathSetMatch match_path_sets(store::Storage &storage, const PreparedKey &key,
                             const key::PathKeying &keying, key::FileHasher &hasher);

} // namespace fleche::engine
