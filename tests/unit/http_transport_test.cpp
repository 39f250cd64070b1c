// The HTTP transport against a real nginx (WebDAV PUT) and real sockets.
#include "nginx_server.hpp"
#include "random_bytes.hpp"
#include "remote/http_transport.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>

using namespace fleche::remote;

namespace {

const std::string http_test_name = "cas/" + std::string(64, 'a');
const std::string http_test_missing = "ac/" + std::string(64, '0');

RemoteSettings http_settings(const std::string &url) {
    RemoteSettings settings;
    settings.url = url;
    settings.connect_timeout_ms = 2000; // generous: the machine is shared
    settings.timeout_ms = 10'000;
    return settings;
}

// A Source that gives `bytes` in pieces of `piece` bytes.
Source http_source(const std::string &bytes, size_t piece = 1 << 20) {
    return [&bytes, piece](const Sink &sink) {
        for (size_t at = 0; at < bytes.size(); at += piece)
            sink(bytes.data() + at, std::min(piece, bytes.size() - at));
    };
}

Reply http_put(Transport &transport, const std::string &name, const std::string &bytes) {
    return transport.put(name, bytes.size(), http_source(bytes));
}

// GET into a string; `pieces` counts the sink's calls.
Reply http_get(Transport &transport, const std::string &name, std::string &out,
               int *pieces = nullptr) {
    out.clear();
    return transport.get(name, [&](const char *data, size_t size) {
        out.append(data, size);
        if (pieces)
            ++*pieces;
    });
}

// The distinct $connection numbers in nginx's access log.
// nginx writes a request's log line after its answer: a test that has the
// answer waits for the line (bounded), then reads the log.
std::vector<std::string> http_log_after(const NginxServer &nginx, size_t requests) {
    nginx_fixture::wait_until([&] { return nginx.access_log().size() >= requests; });
    return nginx.access_log();
}

std::set<std::string> http_connections(const std::vector<std::string> &log) {
    std::set<std::string> out;
    for (const std::string &line : log)
        out.insert(line.substr(0, line.find(' ')));
    return out;
}

bool http_log_has(const NginxServer &nginx, const std::string &text) {
    return nginx_fixture::wait_until([&] {
        for (const std::string &line : nginx.access_log())
            if (line.find(text) != std::string::npos)
                return true;
        return false;
    });
}

double http_ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

// FLECHE_TEST_TIMINGS=1 prints the measured numbers.
void http_report(const std::string &what, double ms) {
    if (std::getenv("FLECHE_TEST_TIMINGS"))
        std::cerr << "timing: " << what << ": " << ms << " ms\n";
}

} // namespace

TEST_CASE("http transport: PUT then GET gives back the exact bytes, streamed in pieces") {
    NginxServer nginx;
    auto transport = make_http_transport(http_settings(nginx.url("/cache")));
    std::string small = "hello, remote cache\n";
    Reply put = http_put(*transport, http_test_name, small);
    CHECK(put.ok());
    CHECK(put.code == 201);
    CHECK(put.bytes == small.size());
    CHECK(nginx_fixture::read_file(nginx.root() / "cache" / http_test_name) == small);

    std::string big = random_bytes(6 * 1024 * 1024 + 7), got;
    std::string big_name = "ac/" + std::string(64, 'b');
    CHECK(transport->put(big_name, big.size(), http_source(big, 100'000)).ok());
    int pieces = 0;
    Reply get = http_get(*transport, big_name, got, &pieces);
    CHECK(get.ok());
    CHECK(get.code == 200);
    CHECK(get.bytes == big.size());
    CHECK(got == big);
    CHECK(pieces > 10); // never the whole body at once

    CHECK(http_get(*transport, http_test_name, got).ok());
    CHECK(got == small);
    CHECK(http_put(*transport, http_test_name, "").ok()); // an overwrite: 204
    CHECK(http_get(*transport, http_test_name, got).ok());
    CHECK(got.empty());
}

TEST_CASE("http transport: HEAD and GET of a missing name are not_found") {
    NginxServer nginx;
    auto transport = make_http_transport(http_settings(nginx.url("/cache/")));
    CHECK(http_put(*transport, http_test_name, "x").ok());
    CHECK(transport->head(http_test_name).status == Status::ok);
    Reply head = transport->head(http_test_missing);
    CHECK(head.status == Status::not_found);
    CHECK(head.code == 404);
    std::string got;
    Reply get = http_get(*transport, http_test_missing, got);
    CHECK(get.status == Status::not_found);
    CHECK(get.detail == "HTTP 404");
    CHECK(got.empty()); // the error page is not the value
    CHECK(transport->head(http_test_name).ok());
    CHECK(http_log_has(nginx, "HEAD /cache/" + http_test_missing + " 404"));
}

TEST_CASE("http transport: requests share one kept-alive connection") {
    NginxServer nginx;
    auto transport = make_http_transport(http_settings(nginx.url("/cache")));
    CHECK(nginx.access_log().empty()); // connected lazily: nothing yet
    CHECK(http_put(*transport, http_test_name, random_bytes(1000)).ok());
    std::string got;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i)
        REQUIRE(http_get(*transport, http_test_name, got).ok());
    double per_get = http_ms_since(start) / 100;
    http_report("kept-alive GET of 1000 bytes", per_get);
    CHECK(transport->head(http_test_missing).status == Status::not_found);
    auto log = http_log_after(nginx, 102);
    CHECK(log.size() == 102);
    CHECK(http_connections(log).size() == 1);
    CHECK(per_get < 20); // about 0.3 ms; a reconnect per request would still pass, the log not
}

TEST_CASE("http transport: a kept-alive connection the server closed is reconnected once") {
    NginxServer nginx;
    auto transport = make_http_transport(http_settings(nginx.url("/cache")));
    std::string bytes = random_bytes(3000), got;
    CHECK(http_put(*transport, http_test_name, bytes).ok());
    nginx.reload_and_wait(); // the old worker closed our idle connection
    Reply get = http_get(*transport, http_test_name, got);
    CHECK(get.ok());
    CHECK(got == bytes);
    nginx.reload_and_wait();
    CHECK(http_put(*transport, "ac/" + std::string(64, 'c'), bytes).ok()); // the Source runs again
    CHECK(nginx_fixture::read_file(nginx.root() / "cache/ac" / std::string(64, 'c')) == bytes);
    auto log = http_log_after(nginx, 3);
    CHECK(http_connections(log).size() == 3);
    CHECK(log.size() == 3);
}

TEST_CASE("http transport: connection refused is unavailable at once") {
    ClosedPort closed;
    auto transport =
        make_http_transport(http_settings("http://127.0.0.1:" + std::to_string(closed.port())));
    auto start = std::chrono::steady_clock::now();
    Reply reply = transport->head(http_test_name);
    double ms = http_ms_since(start);
    http_report("connection refused", ms);
    CHECK(reply.status == Status::unavailable);
    CHECK(reply.detail == "connection refused");
    CHECK(reply.code == 0);
    CHECK(ms < 1000);
    // The next request tries again (the cooldown is the caller's business).
    CHECK(transport->head(http_test_name).detail == "connection refused");
}

TEST_CASE("http transport: a connect that hangs is cut off after connect_timeout_ms") {
    FullServer full;
    RemoteSettings settings = http_settings("http://127.0.0.1:" + std::to_string(full.port()));
    settings.connect_timeout_ms = 200;
    auto transport = make_http_transport(settings);
    auto start = std::chrono::steady_clock::now();
    std::string got;
    Reply reply = http_get(*transport, http_test_name, got);
    double ms = http_ms_since(start);
    http_report("connect timeout of 200 ms", ms);
    CHECK(reply.status == Status::unavailable);
    CHECK(reply.detail == "connect timeout after 200 ms");
    CHECK(ms >= 190);
    CHECK(ms < 1000);
}

TEST_CASE("http transport: a server that never answers is cut off after timeout_ms") {
    SilentServer silent;
    RemoteSettings settings = http_settings("http://127.0.0.1:" + std::to_string(silent.port()));
    settings.timeout_ms = 300;
    auto transport = make_http_transport(settings);
    for (bool is_put : {false, true}) {
        auto start = std::chrono::steady_clock::now();
        std::string got;
        Reply reply = is_put ? http_put(*transport, http_test_name, "abc")
                             : http_get(*transport, http_test_name, got);
        double ms = http_ms_since(start);
        http_report("request timeout of 300 ms", ms);
        CAPTURE(is_put);
        CHECK(reply.status == Status::unavailable);
        CHECK(reply.detail == "request timeout after 300 ms");
        CHECK(ms >= 290);
        CHECK(ms < 1500);
    }
}

TEST_CASE("http transport: a body above the server's limit is too_large") {
    NginxServer nginx;
    auto transport = make_http_transport(http_settings(nginx.url("/small")));
    CHECK(http_put(*transport, http_test_name, random_bytes(512)).ok());
    Reply reply = http_put(*transport, http_test_name, random_bytes(4096));
    CHECK(reply.status == Status::too_large);
    CHECK(reply.code == 413);
    CHECK(reply.detail == "HTTP 413");
    // Megabytes: nginx answers before the body is all sent.
    reply = http_put(*transport, http_test_name, random_bytes(8 << 20));
    CHECK(reply.status == Status::too_large);
    // The transport is still usable.
    std::string got;
    CHECK(http_get(*transport, http_test_name, got).ok());
    CHECK(got == random_bytes(512));
}

TEST_CASE("http transport: basic auth from the settings or the URL, never shown") {
    NginxServer nginx;
    std::string bytes = "written by alice";
    auto anonymous = make_http_transport(http_settings(nginx.url("/auth")));
    Reply reply = http_put(*anonymous, http_test_name, bytes);
    CHECK(reply.status == Status::unauthorized);
    CHECK(reply.code == 401);

    RemoteSettings wrong = http_settings(nginx.url("/auth"));
    wrong.user = "alice";
    wrong.password = "n0t-s3cret";
    reply = http_put(*make_http_transport(wrong), http_test_name, bytes);
    CHECK(reply.status == Status::unauthorized);
    CHECK(reply.detail.find("s3cret") == std::string::npos);

    RemoteSettings right = http_settings(nginx.url("/auth"));
    right.user = "alice";
    right.password = "s3cret";
    CHECK(http_put(*make_http_transport(right), http_test_name, bytes).ok());

    std::string in_url = "http://alice:s3cret@127.0.0.1:" + std::to_string(nginx.port()) + "/auth";
    auto from_url = make_http_transport(http_settings(in_url));
    CHECK(from_url->describe() == nginx.url("/auth"));
    CHECK(http_put(*from_url, "ac/" + std::string(64, 'd'), bytes).ok());

    std::string got; // anonymous reads
    CHECK(http_get(*anonymous, http_test_name, got).ok());
    CHECK(got == bytes);
    CHECK(anonymous->head(http_test_missing).status == Status::not_found);
}

TEST_CASE("http transport: a bearer token and extra headers are sent") {
    NginxServer nginx;
    auto without = make_http_transport(http_settings(nginx.url("/bearer")));
    CHECK(without->head(http_test_name).status == Status::unauthorized);

    RemoteSettings settings = http_settings(nginx.url("/bearer"));
    settings.bearer_token = "test-token";
    settings.user = "alice"; // the token wins
    settings.password = "s3cret";
    settings.headers = {{"X-Fleche-Test", "yes"}};
    auto with = make_http_transport(settings);
    CHECK(http_put(*with, http_test_name, "b").ok());
    CHECK(with->head(http_test_name).ok());
    CHECK(http_log_has(nginx, "PUT /bearer/" + http_test_name + " 201 [Bearer test-token] [yes]"));
    CHECK(with->describe().find("test-token") == std::string::npos);
}

TEST_CASE("http transport: a failing sink or source fails that request only") {
    NginxServer nginx;
    auto transport = make_http_transport(http_settings(nginx.url("/cache")));
    std::string bytes = random_bytes(1 << 20), got;
    CHECK(http_put(*transport, http_test_name, bytes).ok());
    Reply reply = transport->get(
        http_test_name, [](const char *, size_t) { throw std::runtime_error("disk full"); });
    CHECK(reply.status == Status::failed);
    CHECK(reply.detail == "disk full");
    reply = transport->put(http_test_name, 10, [](const Sink &sink) { sink("short", 5); });
    CHECK(reply.status == Status::failed);
    CHECK(reply.detail.find("fewer bytes") != std::string::npos);
    CHECK(http_get(*transport, http_test_name, got).ok());
    CHECK(got == bytes);
}

TEST_CASE("http transport: https with the test CA, as a file or a hashed directory") {
    NginxServer nginx({.tls = true});
    std::string bytes = random_bytes(200'000), got;
    for (std::string ca : {nginx.ca_file(), nginx.ca_dir()}) {
        CAPTURE(ca);
        RemoteSettings settings = http_settings(nginx.tls_url("/cache"));
        settings.tls_ca = ca;
        auto transport = make_http_transport(settings);
        auto start = std::chrono::steady_clock::now();
        CHECK(http_put(*transport, http_test_name, bytes).ok());
        http_report("first https request (context, handshake, PUT of 200 kB)",
                    http_ms_since(start));
        CHECK(http_get(*transport, http_test_name, got).ok());
        CHECK(got == bytes);
    }
    // localhost is in the certificate too: a name, so SNI and name verification.
    RemoteSettings by_name =
        http_settings("https://localhost:" + std::to_string(nginx.tls_port()) + "/cache");
    by_name.tls_ca = nginx.ca_file();
    CHECK(make_http_transport(by_name)->head(http_test_name).ok());
}

TEST_CASE("http transport: https with the wrong CA fails in the handshake") {
    NginxServer nginx({.tls = true});
    RemoteSettings settings = http_settings(nginx.tls_url("/cache"));
    settings.tls_ca = nginx.other_ca_file();
    Reply reply = make_http_transport(settings)->head(http_test_name);
    CHECK(reply.status == Status::unavailable);
    CHECK(reply.detail.find("TLS handshake: certificate verify failed") == 0);

    settings.tls_ca = nginx.ca_file(); // the right CA, a name not in the certificate
    settings.url = "https://ip6-localhost.invalid:" + std::to_string(nginx.tls_port()) + "/cache";
    CHECK_FALSE(make_http_transport(settings)->head(http_test_name).ok());

    settings.url = nginx.tls_url("/cache");
    settings.tls_ca = "/nonexistent/ca.pem";
    reply = make_http_transport(settings)->head(http_test_name);
    CHECK(reply.status == Status::failed);
    CHECK(reply.detail.find("TLS setup (CA '/nonexistent/ca.pem'") == 0);
}

TEST_CASE("http transport: mTLS needs the client certificate") {
    NginxServer nginx({.tls = true});
    RemoteSettings settings = http_settings(nginx.tls_url("/mtls"));
    settings.tls_ca = nginx.ca_file();
    Reply reply = http_put(*make_http_transport(settings), http_test_name, "m");
    CHECK(reply.status == Status::unauthorized);
    CHECK(reply.code == 403);
    settings.tls_cert = nginx.client_cert();
    settings.tls_key = nginx.client_key();
    auto transport = make_http_transport(settings);
    CHECK(http_put(*transport, http_test_name, "m").ok());
    std::string got;
    CHECK(http_get(*transport, http_test_name, got).ok());
    CHECK(got == "m");
}

TEST_CASE("http transport: describe() and details never show the password") {
    ClosedPort closed;
    std::string url = "https://ci:s3cret@127.0.0.1:" + std::to_string(closed.port()) + "/c";
    RemoteSettings settings = http_settings(url);
    settings.password = "s3cret";
    settings.bearer_token = "s3cret";
    auto transport = make_http_transport(settings);
    CHECK(transport->describe() == "https://127.0.0.1:" + std::to_string(closed.port()) + "/c");
    Reply reply = transport->head(http_test_name);
    CHECK(reply.status == Status::unavailable);
    CHECK(reply.detail.find("s3cret") == std::string::npos);
    CHECK_THROWS_WITH_AS(make_http_transport(http_settings("redis://ci:s3cret@h/1")),
                         "remote URL 'redis://h/1' is not an http:// or https:// URL",
                         fleche::Error);
}
