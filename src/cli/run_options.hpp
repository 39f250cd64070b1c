// The options of run, digest and has: one definition so that the three
// commands compute a key from exactly the same words.
#pragma once

#include "key/invocation.hpp"

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
};

// -e -i -o --salt --key-cwd --stdin --cache-failures
void add_key_options(CLI::App &command, RunOptions &options);
// --refresh --no-store -v (run only)
void add_run_options(CLI::App &command, RunOptions &options);

} // namespace fleche::cli
