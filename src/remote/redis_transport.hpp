// The Redis transport: "ac/<hex>" is the key <prefix>ac:<hex>, "cas/<hex>"
// is <prefix>cas:<hex> (prefix from RemoteSettings::redis_prefix), moved with
// GET, SET and EXISTS by a small RESP2 client over one kept connection
// (redis://[user:password@]host[:port][/db]). rediss:// is not supported yet.
#pragma once

#include "remote/remote_settings.hpp"
#include "remote/transport.hpp"

#include <cstdint>
#include <memory>

namespace fleche::remote {

// Redis's default proto-max-bulk-len: a larger value is refused by the server,
// so put() answers too_large without sending anything.
constexpr uint64_t redis_max_value_size = uint64_t{512} * 1024 * 1024;

// `max_value_size` is a parameter so that tests can check the limit without
// sending 512 MiB. Never throws: a URL that does not parse gives a transport
// whose every request is `failed` with the reason.
std::unique_ptr<Transport> make_redis_transport(const RemoteSettings &settings,
                                                uint64_t max_value_size = redis_max_value_size);

} // namespace fleche::remote
