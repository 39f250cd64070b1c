// The cache itself: replay a stored result of the invocation, or run CMD and
// store its result, or run it uncached when the store cannot help.
#pragma once

#include "config/config.hpp"
#include "engine/run_options.hpp"

#include <string>

namespace fleche::engine {

// Returns fleche's exit status (CMD's, or one of its own). `refresh_of` is
// the key of a background refresh (see expiry.hpp), empty otherwise.
// Throws Error (125, 126, 127).
int run(RunOptions &options, const config::Config &config, const std::string &refresh_of);

} // namespace fleche::engine
