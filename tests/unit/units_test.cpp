#include "util/error.hpp"
#include "util/units.hpp"

#include <doctest/doctest.h>

using namespace fleche;

TEST_CASE("durations") {
    CHECK(parse_duration("90s", "--ttl") == 90'000'000'000);
    CHECK(parse_duration("15m", "--ttl") == 900'000'000'000);
    CHECK(parse_duration("2h", "--ttl") == 7200'000'000'000);
    CHECK(parse_duration("7d", "--ttl") == 7 * 86400'000'000'000);
    CHECK(parse_duration("1w", "--ttl") == 7 * 86400'000'000'000);
    CHECK(parse_duration("1.5s", "--ttl") == 1'500'000'000);
    CHECK(parse_duration("250ms", "--ttl") == 250'000'000);
    CHECK(parse_duration("10", "--ttl") == 10'000'000'000);
    for (const char *bad : {"", "s", "-5s", "5y", "5 s", "abc", "1e400s"})
        CHECK_THROWS_WITH_AS(parse_duration(bad, "--ttl"), doctest::Contains("--ttl"), Error);
}

TEST_CASE("sizes are powers of 1024") {
    CHECK(parse_size("4096", "--max-size") == 4096);
    CHECK(parse_size("1K", "--max-size") == 1024);
    CHECK(parse_size("500M", "--max-size") == 500ull << 20);
    CHECK(parse_size("20G", "--max-size") == 20ull << 30);
    CHECK(parse_size("1.5T", "--max-size") == 3ull << 39);
    CHECK(parse_size("2GiB", "--max-size") == 2ull << 30);
    CHECK(parse_size("2GB", "--max-size") == 2ull << 30);
    CHECK(parse_size("3g", "--max-size") == 3ull << 30);
    for (const char *bad : {"", "G", "-1G", "5X", "1 G", "lots"})
        CHECK_THROWS_WITH_AS(parse_size(bad, "--max-size"), doctest::Contains("--max-size"), Error);
    CHECK(format_size(512) == "512B");
    CHECK(format_size(1536) == "1.5K");
    CHECK(format_size(3ull << 30) == "3.0G");
}
