// The options of run, digest and has: one definition so that the three
// commands compute a key from exactly the same words.
#pragma once

#include "key/invocation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace fleche::cli {

struct RunOptions {
    key::Invocation invocation;
    bool cache_failures = false; // store and replay any exit code
    bool refresh = false;        // run and overwrite
    bool no_store = false;       // run without lookup or store
    bool verbose = false;        // say hit or miss, and why
    // Set by issue 4's flags (--tag, --name, --ttl, --stale); here so that
    // configuration can fill them ([run] ttl/stale; rules match on name).
    std::vector<std::string> tags;
    std::optional<std::string> name;
    std::optional<int64_t> ttl_ns;
    std::optional<int64_t> stale_ns;
    bool readonly = false; // FLECHE_READONLY: replay hits, never write the store
};

// -e -i -o --salt --key-cwd --stdin --cache-failures
void add_key_options(CLI::App &command, RunOptions &options);
// --refresh --no-store -v (run only)
void add_run_options(CLI::App &command, RunOptions &options);

} // namespace fleche::cli
