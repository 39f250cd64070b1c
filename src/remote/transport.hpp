// Transport: how fleche talks to one remote cache server, whatever protocol
// it speaks. A transport moves opaque byte strings named "ac/<64 hex>" (an
// action-cache value, input-addressed) and "cas/<64 hex>" (content named by
// the SHA-256 of its uncompressed bytes), and knows nothing of entries,
// signing or the store: remote_storage.hpp gives those bytes their meaning.
//
// Implementations: http_transport.hpp (the Bazel HTTP cache layout:
// <base>/ac/<key>, <base>/cas/<sha256>, for bazel-remote, nginx WebDAV and
// any PUT/GET server) and redis_transport.hpp (<prefix>ac:<key>,
// <prefix>cas:<sha256>).
//
// The rules for every implementation:
//   - never throws out of get/put/head and never blocks longer than the
//     timeouts of RemoteSettings: every failure is a Reply whose status
//     says what the caller should do with the server (skip it for the
//     cooldown, warn about credentials, skip one upload);
//   - connects lazily, on the first request, and keeps the connection for
//     the next ones (one kept-alive connection per transport);
//   - never puts a secret (token, password, userinfo) in a Reply's detail
//     or in describe().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace fleche::remote {

// What became of one request, from the caller's point of view.
enum class Status {
    ok,           // 2xx (GET: the whole body went to the sink)
    not_found,    // 404, or a Redis nil: a miss, not a failure
    unauthorized, // 401 or 403: credentials missing, wrong, or read-only for us
    too_large,    // 413, or above the server's value limit: skip this upload
    unavailable,  // connect failure, timeout, reset, 5xx: the server is down or sick
    failed,       // anything else (a 400, a protocol error, the sink threw)
};

struct Reply {
    Status status = Status::failed;
    int code = 0;       // the HTTP status when there was one, else 0
    std::string detail; // for a message: "connect timeout after 250 ms", "HTTP 507"
    uint64_t bytes = 0; // body bytes moved (after any wire decoding)

    bool ok() const { return status == Status::ok; }
};

// Receives a body in pieces, in order. A sink that throws aborts the request
// (the Reply is `failed` with the exception's message, the connection dropped).
using Sink = std::function<void(const char *data, size_t size)>;
// Produces exactly `size` bytes (put's argument) by calling its argument
// with each piece in order; it may throw to abort the request.
using Source = std::function<void(const Sink &)>;

class Transport {
  public:
    virtual ~Transport() = default;

    // The value of `name` ("ac/<hex>" or "cas/<hex>") streamed to `sink`.
    virtual Reply get(const std::string &name, const Sink &sink) = 0;
    // Stores `size` bytes produced by `source` as `name`.
    virtual Reply put(const std::string &name, uint64_t size, const Source &source) = 0;
    // Whether `name` exists: ok or not_found (or a failure).
    virtual Reply head(const std::string &name) = 0;

    // The server for messages, secrets removed: "http://127.0.0.1:8080/cache".
    virtual std::string describe() const = 0;
};

} // namespace fleche::remote
