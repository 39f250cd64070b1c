#include "util/sha256.hpp"

#include <doctest/doctest.h>

using namespace fleche;

TEST_CASE("a hex digest is 64 lower-case hex digits, whatever byte is wrong where") {
    const std::string valid = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    CHECK(is_hex_digest(valid));
    CHECK(is_hex_digest(sha256_hex("")));
    CHECK_FALSE(is_hex_digest(valid.substr(1)));
    CHECK_FALSE(is_hex_digest(valid + "0"));
    CHECK_FALSE(is_hex_digest(""));
    const std::string hex = "0123456789abcdef";
    // Every byte value in every position: the check reads eight at a time.
    size_t wrong = 0;
    for (size_t i = 0; i < 64; ++i)
        for (int b = 0; b < 256; ++b) {
            std::string text = valid;
            text[i] = static_cast<char>(b);
            bool expected = hex.find(static_cast<char>(b)) != std::string::npos;
            if (is_hex_digest(text) != expected)
                ++wrong;
        }
    CHECK(wrong == 0);
}

TEST_CASE("sha256_hex and the streaming Sha256 agree with a known digest") {
    const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    CHECK(sha256_hex("abc") == abc);
    Sha256 h;
    h.update("a");
    h.update("bc");
    CHECK(h.finish_hex() == abc);
}
