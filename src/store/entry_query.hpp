// Selecting entries by their metadata for `fleche query`: every filter is a
// SQL condition (combined with AND), so that only matching keys are read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleche::store {

class Index;

enum class EntryOrder { newest, duration, size, hits };

struct TagFilter {
    std::string name;
    std::optional<std::string> value; // nullopt: the tag is present
};

struct EntryFilter {
    std::optional<std::string> name_glob;    // GLOB on the name
    std::optional<std::string> command_glob; // GLOB on the quoted command line
    std::optional<std::string> argument;     // one argument exactly
    std::vector<TagFilter> tags;
    std::optional<int> exit_code;
    bool failed = false;              // exit code not 0
    std::optional<int64_t> since_ns;  // started at or after
    std::optional<int64_t> before_ns; // started before
    std::optional<std::string> input; // declared or traced input path (normalised;
                                      // traced paths as keyed: key/path_set.hpp)
    EntryOrder order = EntryOrder::newest;
    std::optional<int64_t> limit;
};

// Matching keys in the requested order.
std::vector<std::string> query_keys(Index &index, const EntryFilter &filter);

} // namespace fleche::store
