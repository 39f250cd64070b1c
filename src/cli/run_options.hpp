// The options of run, digest and has: one definition so that the three
// commands compute a key from exactly the same words.
#pragma once

#include "cli/commands.hpp"
#include "engine/run_options.hpp"

#include <vector>

namespace fleche::cli {

using engine::RunOptions;

// -e -i -o --salt --key-cwd --trace --no-trace --base-dir --env-all --stdin
// --cache-failures
void add_key_options(std::vector<Option> &table, RunOptions &options);
// --ttl (run, explain and has)
void add_ttl_option(std::vector<Option> &table, RunOptions &options);
// --no-remote, for the commands that consult the remote cache (run, has, explain).
void add_remote_option(std::vector<Option> &table, RunOptions &options);
// --refresh --no-store -v --tag --name --ttl --stale (run and explain)
void add_run_options(std::vector<Option> &table, RunOptions &options);

} // namespace fleche::cli
