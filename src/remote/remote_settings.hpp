// RemoteSettings: everything a transport needs to reach one server, already
// resolved from [remote] and FLECHE_REMOTE_* (config/) — secrets included,
// so that no transport reads the environment itself. Never print one of
// these: describe() of a transport is the printable form.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fleche::remote {

struct RemoteSettings {
    std::string url;            // http://, https://, redis:// or rediss://, userinfo allowed
    std::string bearer_token;   // "Authorization: Bearer ..."
    std::string user, password; // basic auth / Redis AUTH
    std::vector<std::pair<std::string, std::string>> headers; // extra HTTP headers
    std::string tls_ca;                   // a CA directory (hashed, fast) or file; "" = system
    std::string tls_cert, tls_key;        // client certificate and key (mTLS), PEM files
    int64_t connect_timeout_ms = 250;     // per connection attempt
    int64_t timeout_ms = 10'000;          // per request, reset whenever bytes move
    std::string redis_prefix = "fleche:"; // Redis keys are <prefix>ac:<hex>, <prefix>cas:<hex>
};

} // namespace fleche::remote
