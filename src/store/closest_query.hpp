// The candidates that explain compares a missed key with (engine/closest.hpp
// ranks them): the SQL side, so that the engine needs no SQL of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fleche::store {

class Index;

struct Candidate {
    std::string key;
    std::string key_record; // encoded, see key/key_record.hpp
    std::string name;
    int64_t stopped_ns = 0;
};

// The `limit` most recently started entries other than `key` that have the
// name `name` or whose key record (of this key_format_version) starts with
// argv[0] `argv0`, newest first. Throws Error.
std::vector<Candidate> recent_candidates(Index &index, const std::string &key,
                                         const std::string &name, const std::string &argv0,
                                         int limit);

} // namespace fleche::store
