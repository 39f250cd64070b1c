// gc's share of traced keys: the path-set lists (path_set_list.hpp) whose
// entries are all gone. A list that still names one kept entry stays as it
// is: an item whose entry was evicted costs a miss when it matches, and the
// run that stores its path set again puts it first.
#pragma once

#include "store/store.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace fleche::store {

struct PathSetSweep {
    size_t lists = 0;   // removed (or, dry run, that would be)
    uint64_t bytes = 0; // their size
};

// Removes each list none of whose items is `kept`, unless it was written
// since `since_ns` (a run that stored after gc listed the entries) or its
// first key's lock is held (a traced run of it is storing). A damaged list is
// removed too: it is only ever a miss.
PathSetSweep sweep_path_sets(Store &store, const std::function<bool(const std::string &)> &kept,
                             int64_t since_ns, bool dry_run);

} // namespace fleche::store
