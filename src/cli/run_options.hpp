// The options of run, digest and has: one definition so that the three
// commands compute a key from exactly the same words.
#pragma once

#include "cli/commands.hpp"
#include "key/invocation.hpp"
#include "store/limits.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleche::cli {

struct RunOptions {
    key::Invocation invocation;
    bool cache_failures = false;     // store and replay any exit code
    bool refresh = false;            // run and overwrite
    bool no_store = false;           // run without lookup or store
    bool verbose = false;            // say hit or miss, and why
    std::vector<std::string> tags;   // NAME=VALUE, attached to the entry
    std::optional<std::string> name; // the entry's label (default: tool basename)
    std::optional<int64_t> ttl_ns;   // an older entry is a miss
    std::optional<int64_t> stale_ns; // an older entry is replayed and refreshed
    store::Limits limits;            // when a storing run starts gc
    bool readonly = false;           // FLECHE_READONLY: replay hits, never write the store
};

// -e -i -o --salt --key-cwd --stdin --cache-failures
void add_key_options(std::vector<Option> &table, RunOptions &options);
// --ttl (run, explain and has)
void add_ttl_option(std::vector<Option> &table, RunOptions &options);
// --refresh --no-store -v --tag --name --ttl --stale (run and explain)
void add_run_options(std::vector<Option> &table, RunOptions &options);

} // namespace fleche::cli
