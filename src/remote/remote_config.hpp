// The remote cache as configured: [remote] and its FLECHE_REMOTE* variables
// (config/keys.cpp) resolved into what remote_cache.hpp needs, secrets read
// from the variables that the configuration names. Nothing here connects.
#pragma once

#include "config/config.hpp"
#include "remote/remote_settings.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace fleche::remote {

struct RemoteConfig {
    RemoteSettings settings;
    bool read_only = false;
    int64_t upload_timeout_ns = 60'000'000'000;
    int64_t cooldown_ns = 60'000'000'000;
    std::optional<std::string> signing_key; // signs uploads, and only signed entries are used
};

// nullopt when no remote is configured (url unset, empty or "off"). Throws
// Error for a key file that cannot be used or a malformed header, naming the
// setting and what to do.
std::optional<RemoteConfig> remote_config(const config::Config &config,
                                          const config::Environment &environment);

} // namespace fleche::remote
