// Boost.URL is header-only in Debian's libboost1.81-dev: its sources are
// compiled here, in the one translation unit that includes src.hpp (kept out
// of the unity build and the precompiled header, see CMakeLists.txt).
#include "remote/remote_url.hpp"

#include "util/error.hpp"

#include <boost/url/src.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <charconv>

namespace fleche::remote {

namespace {

namespace urls = boost::urls;

const char *const remote_url_expected = "; expected http://, https://, redis:// or rediss://";

[[noreturn]] void remote_url_fail(const std::string &text, const std::string &why) {
    std::string message = "remote URL '";
    message.append(redact_remote_url(text)).append("': ").append(why).append(remote_url_expected);
    throw Error(message);
}

Scheme remote_url_scheme(const std::string &text, const urls::url_view &url) {
    std::string scheme = url.scheme();
    for (char &c : scheme)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "http")
        return Scheme::http;
    if (scheme == "https")
        return Scheme::https;
    if (scheme == "redis")
        return Scheme::redis;
    if (scheme == "rediss")
        return Scheme::rediss;
    remote_url_fail(text, "unsupported scheme '" + scheme + "'");
}

uint16_t remote_url_default_port(Scheme scheme) {
    switch (scheme) {
    case Scheme::http:
        return 80;
    case Scheme::https:
        return 443;
    case Scheme::redis:
    case Scheme::rediss:
        return 6379;
    }
    return 0;
}

uint16_t remote_url_port(const std::string &text, const urls::url_view &url, Scheme scheme) {
    if (!url.has_port() || url.port().empty())
        return remote_url_default_port(scheme);
    std::string_view digits = url.port();
    unsigned port = 0;
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (err != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
        remote_url_fail(text, "bad port '" + std::string(digits) + "'");
    return static_cast<uint16_t>(port);
}

// "" or "/" is database 0; "/N" is database N.
int remote_url_db(const std::string &text, const std::string &path) {
    if (path.empty() || path == "/")
        return 0;
    std::string_view digits = std::string_view(path).substr(1);
    int db = -1;
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), db);
    if (digits.empty() || err != std::errc() || end != digits.data() + digits.size() || db < 0)
        remote_url_fail(text, "bad Redis database '" + path + "' (the path must be /N)");
    return db;
}

} // namespace

RemoteUrl parse_remote_url(const std::string &text) {
    auto parsed = urls::parse_uri(text);
    if (!parsed)
        remote_url_fail(text, "not a URL");
    const urls::url_view &url = *parsed;
    RemoteUrl out;
    out.scheme = remote_url_scheme(text, url);
    if (!url.has_authority() || url.encoded_host().empty())
        remote_url_fail(text, "no host");
    if (url.has_query() || url.has_fragment())
        remote_url_fail(text, "a query or fragment is not allowed");
    if (url.has_userinfo()) {
        out.user = url.user();
        out.password = url.password();
    }
    out.host = url.host_address();
    out.port = remote_url_port(text, url, out.scheme);
    if (out.redis()) {
        out.db = remote_url_db(text, url.path());
    } else {
        // Kept percent-encoded: it goes into request targets as it is.
        out.path = url.encoded_path();
        while (!out.path.empty() && out.path.back() == '/')
            out.path.pop_back();
    }
    return out;
}

std::string redact_remote_url(const std::string &text) {
    auto parsed = urls::parse_uri(text);
    if (!parsed)
        return "(invalid remote URL)";
    urls::url url(*parsed);
    url.remove_userinfo();
    return std::string(url.buffer());
}

} // namespace fleche::remote
