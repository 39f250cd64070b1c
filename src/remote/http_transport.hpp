// The HTTP transport: the Bazel HTTP cache layout (GET/PUT/HEAD
// <base path>/ac/<hex> and <base path>/cas/<hex>) over HTTP/1.1 or HTTPS,
// for bazel-remote, nginx WebDAV and any server that stores what is PUT.
//
// One kept-alive connection, made on the first request (a transport that is
// never used opens no socket and builds no TLS context). A kept-alive
// connection that the server closed before answering is reconnected and the
// request sent once more, so a Source may be called twice. Authentication,
// by precedence: settings.bearer_token, settings.user/password, the URL's
// userinfo; settings.headers are added as given. HTTPS: TLS 1.2 or later,
// peer and host name verified against settings.tls_ca (a hashed directory
// or a file) or the system's /etc/ssl/certs directory; a client certificate
// from settings.tls_cert/tls_key. A TLS handshake that fails (an unknown CA,
// a wrong host name) is `unavailable`: the server cannot be used as it is.
#pragma once

#include "remote/remote_settings.hpp"
#include "remote/transport.hpp"

#include <memory>

namespace fleche::remote {

// Throws Error when settings.url does not parse or is not http:// or https://.
std::unique_ptr<Transport> make_http_transport(const RemoteSettings &settings);

} // namespace fleche::remote
