#include "store/output_log.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace fleche::store;

namespace {

std::string encode(const std::vector<std::pair<Stream, std::string>> &chunks) {
    std::string log;
    LogEncoder encoder([&](const char *p, size_t n) { log.append(p, n); });
    for (const auto &[stream, text] : chunks)
        encoder.chunk(stream, text.data(), text.size());
    encoder.finish();
    return log;
}

} // namespace

TEST_CASE("the log format is pinned") {
    CHECK(encode({{Stream::out, "hi"}, {Stream::err, "!"}}) ==
          std::string("FLOG\x01\x01\x02\0\0\0hi\x02\x01\0\0\0!", 5 + 5 + 2 + 5 + 1));
}

TEST_CASE("the log does not depend on the sizes the output was read in") {
    std::string big(LogEncoder::chunk_size * 2 + 100, 'x');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 7);
    std::string whole = encode({{Stream::out, big}, {Stream::err, "e"}, {Stream::out, "tail"}});
    std::vector<std::pair<Stream, std::string>> pieces;
    for (size_t i = 0; i < big.size(); i += 1000)
        pieces.push_back({Stream::out, big.substr(i, 1000)});
    pieces.push_back({Stream::err, "e"});
    pieces.push_back({Stream::out, "ta"});
    pieces.push_back({Stream::out, "il"});
    CHECK(encode(pieces) == whole);
    // two full chunks and a short one, then the other stream, then the rest
    CHECK(whole.size() == 5 + (5 + LogEncoder::chunk_size) * 2 + (5 + 100) + (5 + 1) + (5 + 4));
}

TEST_CASE("a log decodes in order whatever the sizes it is fed in") {
    std::string binary;
    for (int i = 0; i < 256; ++i)
        binary += static_cast<char>(i);
    std::string log = encode(
        {{Stream::out, "one"}, {Stream::err, binary}, {Stream::out, ""}, {Stream::out, "three"}});
    for (size_t piece : {size_t(1), size_t(3), size_t(7), log.size()}) {
        std::string out, err, order;
        LogDecoder decoder([&](Stream s, const char *p, size_t n) {
            (s == Stream::out ? out : err).append(p, n);
            if (order.empty() || order.back() != (s == Stream::out ? 'o' : 'e'))
                order += s == Stream::out ? 'o' : 'e';
        });
        for (size_t i = 0; i < log.size(); i += piece)
            decoder.feed(log.data() + i, std::min(piece, log.size() - i));
        decoder.finish();
        CHECK(out == "onethree");
        CHECK(err == binary);
        CHECK(order == "oeo");
    }
}

TEST_CASE("a truncated or foreign log is an error, not data") {
    std::string log = encode({{Stream::out, "hello"}});
    LogDecoder decoder([](Stream, const char *, size_t) {});
    decoder.feed(log.data(), log.size() - 1);
    CHECK_THROWS_AS(decoder.finish(), fleche::Error);
    LogDecoder foreign([](Stream, const char *, size_t) {});
    CHECK_THROWS_AS(foreign.feed("GARBAGE", 7), fleche::Error);
}

TEST_CASE("a merged log is pinned and decodes with its tag") {
    std::string log = encode({{Stream::merged, "a"}, {Stream::merged, "b"}});
    CHECK(log == std::string("FLOG\x01\x03\x02\0\0\0ab", 5 + 5 + 2));
    std::string seen;
    LogDecoder decoder([&](Stream s, const char *p, size_t n) {
        CHECK(s == Stream::merged);
        seen.append(p, n);
    });
    decoder.feed(log.data(), log.size());
    decoder.finish();
    CHECK(seen == "ab");
    std::string unknown("FLOG\x01\x04\x01\0\0\0x", 11);
    LogDecoder other([](Stream, const char *, size_t) {});
    CHECK_THROWS_AS(other.feed(unknown.data(), unknown.size()), fleche::Error);
}
