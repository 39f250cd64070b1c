// The remote cache's URL, parsed once (Boost.URL) for every transport:
//   http[s]://[user[:password]@]host[:port][/base/path]   Bazel HTTP cache layout
//   redis[s]://[user[:password]@]host[:port][/db]          Redis
// and its printable form, with the userinfo removed, for every message.
#pragma once

#include <cstdint>
#include <string>

namespace fleche::remote {

enum class Scheme { http, https, redis, rediss };

struct RemoteUrl {
    Scheme scheme = Scheme::http;
    std::string user, password; // percent-decoded; empty when absent
    std::string host;           // without brackets for IPv6
    uint16_t port = 0;          // the scheme's default when the URL has none
    std::string path;           // http: the base path without a trailing '/' ("" or "/cache")
    int db = 0;                 // redis: the database number from the path

    bool tls() const { return scheme == Scheme::https || scheme == Scheme::rediss; }
    bool redis() const { return scheme == Scheme::redis || scheme == Scheme::rediss; }
};

// Throws Error ("remote URL '...': why; expected http://, https://, redis://
// or rediss://"), never with the password in the message.
RemoteUrl parse_remote_url(const std::string &text);

// `text` without its userinfo ("https://ci:s3cret@h/x" -> "https://h/x"), for
// messages; text that does not parse is replaced by "(invalid remote URL)".
std::string redact_remote_url(const std::string &text);

} // namespace fleche::remote
