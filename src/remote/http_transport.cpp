// All of Boost.Beast, Boost.Asio and OpenSSL's TLS is compiled in this one
// file (about 30 s of compiling; kept out of the unity build and the
// precompiled header by CMakeLists.txt). Operations are asynchronous only
// because Beast's timeouts (tcp_stream::expires_after) apply to asynchronous
// operations: each one is started and then run to completion on the
// transport's own io_context, on the caller's thread.
#include "remote/http_transport.hpp"

#include "remote/remote_url.hpp"
#include "util/error.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <limits>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <optional>
#include <string>

namespace fleche::remote {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using beast::error_code;

// The hashed directory, not the bundle file: OpenSSL reads the bundle's 144
// certificates up front (57-65 ms measured), the directory lazily (0.01 ms).
const char *const http_system_ca_dir = "/etc/ssl/certs";
// The piece size for bodies in both directions: each piece resets the
// request timeout, and memory stays bounded whatever the body's size.
constexpr size_t http_piece_size = 64 * 1024;

// A request that could not complete, as the Reply its caller gets.
// `retryable`: the server closed a kept-alive connection before answering.
struct HttpFailure {
    Reply reply;
    bool retryable = false;
};

[[noreturn]] void http_fail(Status status, std::string detail, bool retryable = false) {
    throw HttpFailure{Reply{status, 0, std::move(detail), 0}, retryable};
}

// The source stopped because writing failed: the server may have answered
// already (a 413 before the whole body), so the response is read anyway.
struct HttpWriteStopped {
    error_code ec;
};

std::string http_base64(const std::string &text) {
    std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                            reinterpret_cast<const unsigned char *>(text.data()),
                            static_cast<int>(text.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

// OpenSSL's reason without asio's " (SSL routines)" suffix.
std::string http_tls_reason(const error_code &ec) {
    std::string message = ec.message();
    if (size_t paren = message.find(" ("); paren != std::string::npos)
        message.resize(paren);
    return message;
}

Status http_status_of(int code) {
    if (code >= 200 && code < 300)
        return Status::ok;
    if (code == 404)
        return Status::not_found;
    if (code == 401 || code == 403)
        return Status::unauthorized;
    if (code == 413)
        return Status::too_large;
    if (code >= 500)
        return Status::unavailable;
    return Status::failed;
}

bool http_is_ip(const std::string &host) {
    error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

class HttpTransport final : public Transport {
  public:
    HttpTransport(const RemoteSettings &settings, RemoteUrl url)
        : settings_(settings), url_(std::move(url)), piece_(new char[http_piece_size]) {}

    Reply get(const std::string &name, const Sink &sink) override {
        return request(Call{http::verb::get, name, 0, nullptr, &sink});
    }
    Reply put(const std::string &name, uint64_t size, const Source &source) override {
        return request(Call{http::verb::put, name, size, &source, nullptr});
    }
    Reply head(const std::string &name) override {
        return request(Call{http::verb::head, name, 0, nullptr, nullptr});
    }
    std::string describe() const override { return redact_remote_url(settings_.url); }

  private:
    struct Call {
        http::verb verb;
        const std::string &name;
        uint64_t size;
        const Source *source;
        const Sink *sink;
    };

    Reply request(const Call &call);
    void connect();
    void connect_tls(std::chrono::steady_clock::time_point deadline);
    ssl::context &tls_context();
    void close();
    http::request<http::empty_body> request_header(const Call &call) const;
    std::string host_header() const;
    [[noreturn]] void fail_io(const error_code &ec, bool retryable) const;

    template <class Stream> Reply exchange(Stream &stream, const Call &call);
    template <class Stream> std::optional<Reply> write_body(Stream &stream, const Call &call);
    template <class Stream> Reply read_response(Stream &stream, const Call &call);

    beast::tcp_stream &lowest() { return tls_ ? tls_->next_layer() : *tcp_; }
    bool connected() const { return tcp_.has_value() || tls_.has_value(); }
    void expire() { lowest().expires_after(std::chrono::milliseconds(settings_.timeout_ms)); }

    // Starts an asynchronous operation and runs it to completion.
    template <class Start> error_code wait(Start start) {
        error_code result = net::error::would_block;
        start([&result](error_code ec, auto &&...) { result = ec; });
        ioc_.restart();
        ioc_.run();
        return result;
    }

    RemoteSettings settings_;
    RemoteUrl url_;
    net::io_context ioc_;
    std::optional<ssl::context> tls_context_;                 // made on the first https request
    std::optional<beast::tcp_stream> tcp_;                    // the connection, over http
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls_; // or over https
    beast::flat_buffer buffer_;     // bytes read beyond a response's header
    std::unique_ptr<char[]> piece_; // one piece of a body
};

Reply HttpTransport::request(const Call &call) {
    for (int attempt = 0;; ++attempt) {
        bool reused = connected();
        try {
            if (!connected())
                connect();
            if (tls_)
                return exchange(*tls_, call);
            return exchange(*tcp_, call);
        } catch (const HttpFailure &failure) {
            close();
            if (!(failure.retryable && reused && attempt == 0))
                return failure.reply;
        } catch (const std::exception &e) { // the sink or the source threw
            close();
            return Reply{Status::failed, 0, e.what(), 0};
        } catch (...) {
            close();
            return Reply{Status::failed, 0, "unknown exception", 0};
        }
    }
}

void HttpTransport::connect() {
    auto budget = std::chrono::milliseconds(settings_.connect_timeout_ms);
    auto deadline = std::chrono::steady_clock::now() + budget;
    std::string timeout = "connect timeout after " + std::to_string(settings_.connect_timeout_ms);
    timeout.append(" ms");

    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    error_code ec = net::error::would_block;
    resolver.async_resolve(url_.host, std::to_string(url_.port),
                           [&](error_code e, tcp::resolver::results_type r) {
                               ec = e;
                               endpoints = std::move(r);
                           });
    ioc_.restart();
    ioc_.run_for(budget);
    if (ec == net::error::would_block) {
        // getaddrinfo cannot be interrupted: this waits for its own timeout.
        resolver.cancel();
        ioc_.run();
        http_fail(Status::unavailable, timeout);
    }
    if (ec)
        http_fail(Status::unavailable, "cannot resolve '" + url_.host + "': " + ec.message());

    if (url_.tls())
        tls_.emplace(ioc_, tls_context());
    else
        tcp_.emplace(ioc_);
    lowest().expires_at(deadline);
    ec = wait([&](auto handler) { lowest().async_connect(endpoints, handler); });
    if (ec == beast::error::timeout)
        http_fail(Status::unavailable, timeout);
    if (ec == net::error::connection_refused)
        http_fail(Status::unavailable, "connection refused");
    if (ec)
        http_fail(Status::unavailable, "connect: " + ec.message());
    lowest().socket().set_option(tcp::no_delay(true));
    if (url_.tls())
        connect_tls(deadline);
}

void HttpTransport::connect_tls(std::chrono::steady_clock::time_point deadline) {
    if (!http_is_ip(url_.host) &&
        !SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str()))
        http_fail(Status::failed, "TLS: cannot set the server name");
    tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    lowest().expires_at(deadline);
    error_code ec =
        wait([&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); });
    if (ec == beast::error::timeout) {
        std::string detail =
            "connect timeout after " + std::to_string(settings_.connect_timeout_ms);
        http_fail(Status::unavailable, detail.append(" ms (TLS handshake)"));
    }
    if (ec) {
        std::string detail = "TLS handshake: " + http_tls_reason(ec);
        long verify = SSL_get_verify_result(tls_->native_handle());
        if (verify != X509_V_OK)
            detail.append(" (").append(X509_verify_cert_error_string(verify)).append(")");
        http_fail(Status::unavailable, detail);
    }
}

ssl::context &HttpTransport::tls_context() {
    if (tls_context_)
        return *tls_context_;
    try {
        ssl::context context(ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
        context.set_verify_mode(ssl::verify_peer);
        const std::string &ca = settings_.tls_ca;
        if (ca.empty())
            context.add_verify_path(http_system_ca_dir);
        else if (std::filesystem::is_directory(ca))
            context.add_verify_path(ca);
        else
            context.load_verify_file(ca);
        if (!settings_.tls_cert.empty())
            context.use_certificate_chain_file(settings_.tls_cert);
        if (!settings_.tls_key.empty())
            context.use_private_key_file(settings_.tls_key, ssl::context::pem);
        tls_context_.emplace(std::move(context));
    } catch (const boost::system::system_error &e) {
        // The files named are paths from the configuration, not secrets.
        std::string detail = "TLS setup (CA '";
        detail.append(settings_.tls_ca.empty() ? http_system_ca_dir : settings_.tls_ca);
        detail.append("', certificate '").append(settings_.tls_cert).append("'): ");
        http_fail(Status::failed, detail.append(http_tls_reason(e.code())));
    }
    return *tls_context_;
}

void HttpTransport::close() {
    error_code ignored;
    if (connected())
        lowest().socket().close(ignored);
    tls_.reset();
    tcp_.reset();
    buffer_.clear();
}

std::string HttpTransport::host_header() const {
    std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    uint16_t default_port = url_.tls() ? 443 : 80;
    if (url_.port != default_port)
        host.append(":").append(std::to_string(url_.port));
    return host;
}

http::request<http::empty_body> HttpTransport::request_header(const Call &call) const {
    std::string target = url_.path;
    target.append("/").append(call.name);
    http::request<http::empty_body> req{call.verb, target, 11};
    req.set(http::field::host, host_header());
    req.set(http::field::user_agent, "fleche/" FLECHE_VERSION);
    if (!settings_.bearer_token.empty())
        req.set(http::field::authorization, "Bearer " + settings_.bearer_token);
    else if (!settings_.user.empty() || !settings_.password.empty())
        req.set(http::field::authorization,
                "Basic " + http_base64(settings_.user + ":" + settings_.password));
    else if (!url_.user.empty() || !url_.password.empty())
        req.set(http::field::authorization,
                "Basic " + http_base64(url_.user + ":" + url_.password));
    for (const auto &[field, value] : settings_.headers)
        req.set(field, value);
    if (call.verb == http::verb::put) {
        req.content_length(call.size);
        req.set(http::field::content_type, "application/octet-stream");
    }
    return req;
}

void HttpTransport::fail_io(const error_code &ec, bool retryable) const {
    if (ec == beast::error::timeout) {
        std::string detail = "request timeout after " + std::to_string(settings_.timeout_ms);
        http_fail(Status::unavailable, detail.append(" ms"));
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof)
        http_fail(Status::unavailable, "connection closed by the server", retryable);
    if (ec == net::error::connection_reset || ec == net::error::broken_pipe)
        http_fail(Status::unavailable, "connection reset by the server", retryable);
    if (ec.category() == net::error::get_ssl_category() || ec == ssl::error::stream_truncated)
        http_fail(Status::unavailable, "TLS: " + http_tls_reason(ec), retryable);
    if (ec.category() == http::make_error_code(http::error::bad_version).category())
        http_fail(Status::failed, "bad HTTP response: " + ec.message());
    http_fail(Status::unavailable, ec.message(), retryable);
}

template <class Stream> Reply HttpTransport::exchange(Stream &stream, const Call &call) {
    http::request<http::empty_body> req = request_header(call);
    http::request_serializer<http::empty_body> serializer{req};
    expire();
    error_code ec =
        wait([&](auto handler) { http::async_write_header(stream, serializer, handler); });
    if (ec)
        fail_io(ec, true);
    if (call.source) {
        if (std::optional<Reply> early = write_body(stream, call)) {
            // The connection is in the middle of a body: it cannot carry another request.
            close();
            return *early;
        }
    }
    return read_response(stream, call);
}

// The reply of a server that answered before the whole body was written (a
// 413, a 401), or nothing when it was.
template <class Stream>
std::optional<Reply> HttpTransport::write_body(Stream &stream, const Call &call) {
    uint64_t sent = 0;
    Sink writer = [&](const char *data, size_t size) {
        if (size > call.size - sent)
            http_fail(Status::failed, "the upload's source produced more bytes than its size");
        while (size > 0) {
            size_t n = std::min(size, http_piece_size);
            expire();
            error_code ec = wait(
                [&](auto handler) { net::async_write(stream, net::buffer(data, n), handler); });
            if (ec)
                throw HttpWriteStopped{ec};
            data += n;
            size -= n;
            sent += n;
        }
    };
    try {
        (*call.source)(writer);
    } catch (const HttpWriteStopped &stopped) {
        Reply early;
        try {
            early = read_response(stream, call);
        } catch (const HttpFailure &) {
            fail_io(stopped.ec, true);
        }
        if (early.ok())
            early =
                Reply{Status::failed, early.code, "the server answered before the upload ended", 0};
        return early;
    }
    if (sent != call.size)
        http_fail(Status::failed, "the upload's source produced fewer bytes than its size");
    return std::nullopt;
}

template <class Stream> Reply HttpTransport::read_response(Stream &stream, const Call &call) {
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    if (call.verb == http::verb::head)
        parser.skip(true);
    expire();
    error_code ec =
        wait([&](auto handler) { http::async_read_header(stream, buffer_, parser, handler); });
    if (ec)
        fail_io(ec, !parser.got_some());

    Reply reply;
    reply.code = static_cast<int>(parser.get().result_int());
    reply.status = http_status_of(reply.code);
    if (!reply.ok())
        reply.detail = "HTTP " + std::to_string(reply.code);
    // Only a successful GET's body is the value; others are drained.
    const Sink *sink = reply.ok() ? call.sink : nullptr;
    while (!parser.is_done()) {
        parser.get().body().data = piece_.get();
        parser.get().body().size = http_piece_size;
        expire();
        ec = wait([&](auto handler) { http::async_read(stream, buffer_, parser, handler); });
        if (ec && ec != http::error::need_buffer)
            fail_io(ec, false);
        size_t n = http_piece_size - parser.get().body().size;
        if (sink && n > 0) {
            (*sink)(piece_.get(), n);
            reply.bytes += n;
        }
    }
    if (call.verb == http::verb::put && reply.ok())
        reply.bytes = call.size;
    if (!parser.get().keep_alive())
        close();
    return reply;
}

} // namespace

std::unique_ptr<Transport> make_http_transport(const RemoteSettings &settings) {
    RemoteUrl url = parse_remote_url(settings.url);
    if (url.redis())
        throw Error("remote URL '" + redact_remote_url(settings.url) +
                    "' is not an http:// or https:// URL");
    return std::make_unique<HttpTransport>(settings, std::move(url));
}

} // namespace fleche::remote
