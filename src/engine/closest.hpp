// The stored entry most like a key that missed, and what differs: for
// `fleche explain` and the one-line reason of `run -v`.
#pragma once

#include "engine/prepared_key.hpp"
#include "store/index.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleche::engine {

struct Closest {
    std::string key;
    std::string name;
    int64_t stopped_ns = 0;
    std::vector<std::string> differences; // see key::diff_records
};

// Among the entries with the same name or the same argv[0] (the most recent
// few hundred), the one with the same argv[0] and name first, then the same
// number of arguments, then the fewest differences, then the newest.
std::optional<Closest> find_closest(store::Index &index, const PreparedKey &key,
                                    const std::string &name);

// "input data/mesh.vtk: content changed (and 2 more differences from 1a2b3c4d)",
// or why there was nothing to compare with.
std::string one_line_reason(store::Index &index, const PreparedKey &key, const std::string &name);

} // namespace fleche::engine
