// How big and how old the store may grow before gc trims it. Read from
// FLECHE_MAX_SIZE / FLECHE_MAX_AGE here; config-file values ([store]
// max_size, max_age) are fed into the same struct by the config layer.
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

// FLECHE_MAX_SIZE (a size, as "20G") and FLECHE_MAX_AGE (a duration, as
// "30d"); unset or empty variables set nothing. Throws Error on a bad value.
Limits limits_from_environment();

} // namespace fleche::store
