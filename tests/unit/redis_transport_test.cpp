// The Redis transport against a real redis-server (tests/unit/redis_server.hpp).
#include "redis_server.hpp"

#include "remote/redis_transport.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using namespace fleche::remote;

namespace {

const std::string redis_test_hex(64, 'a');

RemoteSettings redis_test_settings(const std::string &url) {
    RemoteSettings s;
    s.url = url;
    s.connect_timeout_ms = 500;
    s.timeout_ms = 300;
    return s;
}

Reply redis_test_put(Transport &t, const std::string &name, const std::string &value) {
    return t.put(name, value.size(), [&](const Sink &sink) {
        // In uneven pieces, as a file reader would.
        for (size_t at = 0; at < value.size(); at += 7777)
            sink(value.data() + at, std::min<size_t>(7777, value.size() - at));
    });
}

Reply redis_test_get(Transport &t, const std::string &name, std::string &out,
                     size_t *pieces = nullptr) {
    out.clear();
    return t.get(name, [&](const char *data, size_t size) {
        out.append(data, size);
        if (pieces)
            ++*pieces;
    });
}

long redis_test_ms_since(std::chrono::steady_clock::time_point start) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count());
}

} // namespace

TEST_CASE("redis transport: SET then GET gives the exact bytes, binary and multi-MiB, in pieces") {
    RedisServer server;
    auto t = make_redis_transport(redis_test_settings(server.url()));
    std::string binary("a\r\nb\0\r\n$-1\r\n", 13);
    REQUIRE(redis_test_put(*t, "cas/" + redis_test_hex, binary).status == Status::ok);
    std::string got;
    Reply r = redis_test_get(*t, "cas/" + redis_test_hex, got);
    CHECK(r.status == Status::ok);
    CHECK(r.bytes == binary.size());
    CHECK(got == binary);

    std::string big(5 * 1024 * 1024 + 3, '\0');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>((i * 2654435761u) >> 13);
    REQUIRE(redis_test_put(*t, "ac/" + redis_test_hex, big).ok());
    size_t pieces = 0;
    r = redis_test_get(*t, "ac/" + redis_test_hex, got, &pieces);
    CHECK(r.ok());
    CHECK(got == big);
    CHECK(pieces > 10); // streamed, not buffered whole

    std::string empty;
    REQUIRE(redis_test_put(*t, "ac/" + std::string(64, 'e'), empty).ok());
    CHECK(redis_test_get(*t, "ac/" + std::string(64, 'e'), got).ok());
    CHECK(got.empty());
}

TEST_CASE("redis transport: keys are <prefix>ac:<hex> and <prefix>cas:<hex>") {
    RedisServer server;
    RemoteSettings s = redis_test_settings(server.url());
    auto t = make_redis_transport(s);
    REQUIRE(redis_test_put(*t, "ac/" + redis_test_hex, "one").ok());
    REQUIRE(redis_test_put(*t, "cas/" + redis_test_hex, "two").ok());
    CHECK(server.cli("GET fleche:ac:" + redis_test_hex) == "one\n");
    CHECK(server.cli("GET fleche:cas:" + redis_test_hex) == "two\n");

    s.redis_prefix = "team1/";
    auto other = make_redis_transport(s);
    REQUIRE(redis_test_put(*other, "ac/" + redis_test_hex, "three").ok());
    CHECK(server.cli("GET team1/ac:" + redis_test_hex) == "three\n");
    CHECK(t->head("ac/" + redis_test_hex).ok());
}

TEST_CASE("redis transport: a missing key is not_found for GET and EXISTS, a present one ok") {
    RedisServer server;
    auto t = make_redis_transport(redis_test_settings(server.url()));
    std::string got = "untouched";
    bool called = false;
    Reply r = t->get("ac/" + redis_test_hex, [&](const char *, size_t) { called = true; });
    CHECK(r.status == Status::not_found);
    CHECK_FALSE(called);
    CHECK(t->head("cas/" + redis_test_hex).status == Status::not_found);
    REQUIRE(redis_test_put(*t, "cas/" + redis_test_hex, "x").ok());
    CHECK(t->head("cas/" + redis_test_hex).status == Status::ok);
    CHECK(t->head("ac/" + redis_test_hex).status == Status::not_found);
    CHECK(t->get("blob/x", [](const char *, size_t) {}).status == Status::failed);
}

TEST_CASE("redis transport: the URL's /db selects the database") {
    RedisServer server;
    auto t = make_redis_transport(redis_test_settings(server.url("/3")));
    REQUIRE(redis_test_put(*t, "ac/" + redis_test_hex, "in three").ok());
    CHECK(server.cli("-n 3 GET fleche:ac:" + redis_test_hex) == "in three\n");
    CHECK(server.cli("-n 0 EXISTS fleche:ac:" + redis_test_hex) == "0\n");
    auto db0 = make_redis_transport(redis_test_settings(server.url()));
    CHECK(db0->head("ac/" + redis_test_hex).status == Status::not_found);
}

TEST_CASE("redis transport: AUTH with a password: missing or wrong is unauthorized, right is ok") {
    RedisServer server({"--requirepass", "s3cret-pw"});
    auto none = make_redis_transport(redis_test_settings(server.url()));
    Reply r = none->head("ac/" + redis_test_hex);
    CHECK(r.status == Status::unauthorized);

    auto wrong = make_redis_transport(
        redis_test_settings("redis://:nope@127.0.0.1:" + std::to_string(server.port())));
    r = wrong->head("ac/" + redis_test_hex);
    CHECK(r.status == Status::unauthorized);
    CHECK(r.detail.find("nope") == std::string::npos);
    CHECK(wrong->describe() == server.url());

    auto in_url = make_redis_transport(
        redis_test_settings("redis://:s3cret-pw@127.0.0.1:" + std::to_string(server.port())));
    CHECK(redis_test_put(*in_url, "ac/" + redis_test_hex, "v").ok());
    CHECK(in_url->describe().find("s3cret") == std::string::npos);

    RemoteSettings s = redis_test_settings(server.url());
    s.password = "s3cret-pw";
    auto in_settings = make_redis_transport(s);
    CHECK(in_settings->head("ac/" + redis_test_hex).ok());
}

TEST_CASE("redis transport: an ACL user with a password, and a read-only one") {
    RedisServer server({"--user", "ci", "on", ">ci-pw", "~*", "+@all", "--user", "reader", "on",
                        ">r-pw", "~*", "+get", "+exists", "+auth", "+select"});
    std::string host = "@127.0.0.1:" + std::to_string(server.port());
    auto ci = make_redis_transport(redis_test_settings("redis://ci:ci-pw" + host));
    CHECK(redis_test_put(*ci, "ac/" + redis_test_hex, "v").ok());
    auto bad = make_redis_transport(redis_test_settings("redis://ci:r-pw" + host));
    CHECK(bad->head("ac/" + redis_test_hex).status == Status::unauthorized);

    auto reader = make_redis_transport(redis_test_settings("redis://reader:r-pw" + host));
    std::string got;
    CHECK(redis_test_get(*reader, "ac/" + redis_test_hex, got).ok());
    CHECK(got == "v");
    Reply r = redis_test_put(*reader, "ac/" + redis_test_hex, "w");
    CHECK(r.status == Status::unauthorized);
    // The refusal does not spoil the connection.
    CHECK(redis_test_get(*reader, "ac/" + redis_test_hex, got).ok());
}

TEST_CASE("redis transport: a server killed between requests is unavailable, then a restarted one "
          "works") {
    RedisServer server;
    auto t = make_redis_transport(redis_test_settings(server.url()));
    REQUIRE(redis_test_put(*t, "ac/" + redis_test_hex, "v").ok());
    server.stop();
    Reply r = t->head("ac/" + redis_test_hex);
    CHECK(r.status == Status::unavailable);
    server.start();
    CHECK(t->head("ac/" + redis_test_hex).status ==
          Status::not_found); // nothing saved: a fresh server
    CHECK(redis_test_put(*t, "ac/" + redis_test_hex, "again").ok());

    // Restarted while our connection was idle: reconnected without a failure.
    server.stop();
    server.start();
    CHECK(t->head("ac/" + redis_test_hex).status == Status::not_found);
}

TEST_CASE("redis transport: a refused connection is unavailable at once") {
    int port;
    {
        RedisServer server;
        port = server.port();
    }
    RemoteSettings s = redis_test_settings("redis://127.0.0.1:" + std::to_string(port));
    s.connect_timeout_ms = 2000;
    auto t = make_redis_transport(s);
    auto start = std::chrono::steady_clock::now();
    Reply r = t->head("ac/" + redis_test_hex);
    CHECK(r.status == Status::unavailable);
    CHECK(redis_test_ms_since(start) < 500);
    CHECK_MESSAGE(r.detail.find("connect") != std::string::npos, r.detail);
}

TEST_CASE(
    "redis transport: a listener that never answers is unavailable within the request timeout") {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 8) == 0); // the kernel completes the handshake; nobody reads
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    RemoteSettings s =
        redis_test_settings("redis://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
    s.timeout_ms = 200;
    auto t = make_redis_transport(s);
    auto start = std::chrono::steady_clock::now();
    Reply r = t->head("ac/" + redis_test_hex);
    long ms = redis_test_ms_since(start);
    CHECK(r.status == Status::unavailable);
    CHECK(r.detail.find("timeout") != std::string::npos);
    CHECK(ms >= 190);
    CHECK(ms < 5 * 200);
    ::close(fd);
}

TEST_CASE("redis transport: a value above the limit is too_large and nothing is sent") {
    RedisServer server;
    auto t = make_redis_transport(redis_test_settings(server.url()), 10);
    bool asked = false;
    Reply r = t->put("cas/" + redis_test_hex, 11, [&](const Sink &) { asked = true; });
    CHECK(r.status == Status::too_large);
    CHECK_FALSE(asked);
    CHECK(server.cli("EXISTS fleche:cas:" + redis_test_hex) == "0\n");
    CHECK(redis_test_put(*t, "cas/" + redis_test_hex, "0123456789").ok());
    CHECK(redis_max_value_size == 512ull * 1024 * 1024);
}

TEST_CASE("redis transport: a source that throws or lies about its size fails the upload only") {
    RedisServer server;
    auto t = make_redis_transport(redis_test_settings(server.url()));
    Reply r = t->put("cas/" + redis_test_hex, 100, [](const Sink &sink) {
        sink("abc", 3);
        throw std::runtime_error("disk went away");
    });
    CHECK(r.status == Status::failed);
    CHECK(r.detail == "disk went away");
    r = t->put("cas/" + redis_test_hex, 2, [](const Sink &sink) { sink("abc", 3); });
    CHECK(r.status == Status::failed);
    CHECK(server.cli("EXISTS fleche:cas:" + redis_test_hex) == "0\n");
    CHECK(redis_test_put(*t, "cas/" + redis_test_hex, "fine").ok());
}

TEST_CASE("redis transport: rediss:// is refused with a message") {
    auto t = make_redis_transport(redis_test_settings("rediss://127.0.0.1:1"));
    Reply r = t->head("ac/" + redis_test_hex);
    CHECK(r.status == Status::failed);
    CHECK(r.detail == "rediss:// is not supported yet");
}
