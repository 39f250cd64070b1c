#include "remote/remote_url.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace fleche::remote;

namespace {

// The message parse_remote_url throws for `text`, or "" when it parses.
std::string remote_url_error(const std::string &text) {
    try {
        parse_remote_url(text);
    } catch (const fleche::Error &e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("remote URL: http with a port and a base path") {
    RemoteUrl url = parse_remote_url("http://cache.example:8080/team/cache/");
    CHECK(url.scheme == Scheme::http);
    CHECK(url.host == "cache.example");
    CHECK(url.port == 8080);
    CHECK(url.path == "/team/cache");
    CHECK(url.user.empty());
    CHECK(url.password.empty());
    CHECK_FALSE(url.tls());
    CHECK_FALSE(url.redis());
}

TEST_CASE("remote URL: each scheme's default port") {
    CHECK(parse_remote_url("http://h").port == 80);
    CHECK(parse_remote_url("https://h/").port == 443);
    CHECK(parse_remote_url("redis://h").port == 6379);
    CHECK(parse_remote_url("rediss://h").port == 6379);
    CHECK(parse_remote_url("https://h").tls());
    CHECK(parse_remote_url("rediss://h").tls());
    CHECK(parse_remote_url("HTTP://h").scheme == Scheme::http);
    CHECK(parse_remote_url("http://h").path == "");
    CHECK(parse_remote_url("http://h:/x").port == 80);
}

TEST_CASE("remote URL: userinfo is percent-decoded") {
    RemoteUrl url = parse_remote_url("https://ci%40corp:s3%3Acret@h/x");
    CHECK(url.user == "ci@corp");
    CHECK(url.password == "s3:cret");
    CHECK(parse_remote_url("redis://:pw@h").password == "pw");
}

TEST_CASE("remote URL: an IPv6 host without brackets") {
    RemoteUrl url = parse_remote_url("http://[::1]:9090/c");
    CHECK(url.host == "::1");
    CHECK(url.port == 9090);
}

TEST_CASE("remote URL: the Redis database comes from the path") {
    CHECK(parse_remote_url("redis://h").db == 0);
    CHECK(parse_remote_url("redis://h/").db == 0);
    CHECK(parse_remote_url("redis://h:7000/3").db == 3);
    CHECK(parse_remote_url("redis://h/3").path == "");
    CHECK(remote_url_error("redis://h/x").find("bad Redis database '/x'") != std::string::npos);
    CHECK(remote_url_error("redis://h/1/2").find("bad Redis database") != std::string::npos);
    CHECK(remote_url_error("redis://h/-1").find("bad Redis database") != std::string::npos);
}

TEST_CASE("remote URL: what is rejected, and why") {
    std::string expected = "; expected http://, https://, redis:// or rediss://";
    CHECK(remote_url_error("ftp://h/x") ==
          "remote URL 'ftp://h/x': unsupported scheme 'ftp'" + expected);
    CHECK(remote_url_error("http:///x") == "remote URL 'http:///x': no host" + expected);
    CHECK(remote_url_error("/just/a/path") ==
          "remote URL '(invalid remote URL)': not a URL" + expected);
    CHECK(remote_url_error("http://h/x?a=1").find("a query or fragment is not allowed") !=
          std::string::npos);
    CHECK(remote_url_error("http://h/x#f").find("a query or fragment is not allowed") !=
          std::string::npos);
    std::string big_port = remote_url_error("http://h:99999/");
    CHECK((big_port.find("bad port '99999'") != std::string::npos ||
           big_port.find("not a URL") != std::string::npos));
    CHECK(remote_url_error("localhost:8080").find("unsupported scheme") != std::string::npos);
}

TEST_CASE("remote URL: no message shows the password") {
    for (std::string text :
         {"ftp://ci:s3cret@h/x", "http://ci:s3cret@h/x?q", "redis://ci:s3cret@h/z",
          "http://ci:s3cret@h:0/", "http://ci:s3cret@/x", "http://ci:s3cret @h/"}) {
        std::string message = remote_url_error(text);
        CAPTURE(text);
        CHECK(message.find("remote URL '") == 0);
        CHECK(message.find("s3cret") == std::string::npos);
    }
}

TEST_CASE("remote URL: redaction removes the userinfo") {
    CHECK(redact_remote_url("https://ci:s3cret@h/x") == "https://h/x");
    CHECK(redact_remote_url("redis://:s3cret@h:6380/2") == "redis://h:6380/2");
    CHECK(redact_remote_url("http://h:8080/cache") == "http://h:8080/cache");
    CHECK(redact_remote_url("http://ci:s3cret @h/") == "(invalid remote URL)");
}
