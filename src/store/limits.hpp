// How big and how old the store may grow before gc trims it: [store]
// max_size and max_age, FLECHE_MAX_SIZE and FLECHE_MAX_AGE (see
// engine/configure.hpp configured_limits), or gc's flags.
#pragma once

#include <cstdint>
#include <optional>

namespace fleche::store {

struct Limits {
    std::optional<uint64_t> max_size;  // bytes of blobs on disk
    std::optional<int64_t> max_age_ns; // since an entry was last used
    std::optional<uint64_t> max_entries;

    bool any() const { return max_size || max_age_ns || max_entries; }
};

} // namespace fleche::store
