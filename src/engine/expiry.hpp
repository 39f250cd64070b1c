// Expiry and refresh of stored results: --ttl (an older entry is a miss and
// is replaced) and --stale (bkt's stale-while-revalidate: an older entry is
// replayed at once and refreshed by a detached background run).
//
// The background run is this same fleche command line re-executed with the
// hidden option --background-refresh=<key> after "run", stdio on /dev/null,
// in a session of its own, never waited for. It runs CMD only when it
// computes the same key, holds the per-key lock without waiting (another
// refresh or run of the key is in progress otherwise) and the entry is still
// not fresh. An option rather than an environment variable: the environment
// is inherited by CMD and by any fleche that CMD calls, and a variable left
// set there would make that fleche skip its command.
#pragma once

#include "config/config.hpp"
#include "engine/prepared_key.hpp"
#include "engine/run_options.hpp"
#include "store/entry.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace fleche::engine {

// Internal, hidden from --help: only refresh_in_background() writes it.
inline constexpr const char *background_refresh_option = "--background-refresh";

enum class Freshness { fresh, stale, expired };

Freshness freshness(const store::Entry &entry, const RunOptions &options, int64_t now_ns);

// Why an expired entry is a miss, for -v.
std::string expiry_reason(const store::Entry &entry, const RunOptions &options, int64_t now_ns);

// Starts the detached background refresh of `key`. Failures are warnings.
void refresh_in_background(const PreparedKey &key, const RunOptions &options);

// The background refresh itself; returns the exit status.
int run_background_refresh(RunOptions &options, const config::Config &config,
                           const std::string &expected_key);

} // namespace fleche::engine
