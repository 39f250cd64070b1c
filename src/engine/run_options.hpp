// What a run, digest or has was asked to do: the invocation and how to treat
// its result, filled from the command line (cli/run_options.hpp) and then
// from the configuration (configure.hpp).
#pragma once

#include "key/invocation.hpp"
#include "store/limits.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleche::engine {

struct RunOptions {
    key::Invocation invocation;
    bool cache_failures = false;     // store and replay any exit code
    bool refresh = false;            // run and overwrite
    bool no_store = false;           // run without lookup or store
    bool verbose = false;            // say hit or miss, and why
    bool no_trace = false;           // --no-trace: not traced, whatever the configuration says
    std::vector<std::string> tags;   // NAME=VALUE, attached to the entry
    std::optional<std::string> name; // the entry's label (default: tool basename)
    std::optional<int64_t> ttl_ns;   // an older entry is a miss
    std::optional<int64_t> stale_ns; // an older entry is replayed and refreshed
    store::Limits limits;            // when a storing run starts gc
    bool readonly = false;           // FLECHE_READONLY: replay hits, never write the store
    bool no_remote = false;          // --no-remote: this invocation leaves the remote cache alone
};

} // namespace fleche::engine
