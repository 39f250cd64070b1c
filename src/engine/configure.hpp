// Configuration meets the command line: the settings and the matching rules
// fill in what the flags left open (flags win for scalars, lists add up).
#pragma once

#include "config/config.hpp"
#include "engine/run_options.hpp"
#include "remote/remote_config.hpp"
#include "store/limits.hpp"
#include "store/store.hpp"

#include <memory>

namespace fleche::engine {

// Call after the flags are parsed and invocation.argv is set. A rule's
// require_env that is unset turns the store off for this run, with a warning.
void configure(RunOptions &options, const config::Config &config);

// [remote] as configured, unless --no-remote: resolved only where a local
// miss needs it (it reads variables, perhaps a key file), never on a hit. A
// configuration that cannot be used is warned about, and the run goes on
// without the remote.
std::optional<remote::RemoteConfig> configured_remote(const RunOptions &options,
                                                      const config::Config &config);

// The store that the configuration names, opened for writing, or read-only
// with FLECHE_READONLY (then nullptr when there is none: a miss, not an
// error). Throws Error.
std::unique_ptr<store::Store> open_store(const config::Config &config, bool readonly);

// The configured store for the commands that inspect or manage it (query,
// show, rm, stats, explain, gc, verify). Hits logged since the last fold are
// applied first so that counts and last use are current; with
// FLECHE_READONLY nothing is written. Throws Error (no store to read).
std::unique_ptr<store::Store> open_configured_store();

// [store] max_size and max_age (or FLECHE_MAX_SIZE, FLECHE_MAX_AGE) for gc.
store::Limits configured_limits(const config::Config &config);

// The rules that apply to this command line, in the order they apply.
std::vector<const config::Rule *> matching_rules(const RunOptions &options,
                                                 const config::Config &config);

} // namespace fleche::engine
