#include "scratch_dir.hpp"
#include "store/gc.hpp"
#include "store/usage_estimate.hpp"

#include <doctest/doctest.h>

using namespace fleche::store;

namespace {

// Entries most recently used first; every blob is 10 bytes.
std::vector<EntryRef> sample() {
    return {{"new", "c", 300, {"l1", "shared"}},
            {"mid", "c", 200, {"l2", "shared"}},
            {"old", "c", 100, {"l3"}}};
}

uint64_t ten(const std::string &) {
    return 10;
}

} // namespace

TEST_CASE("eviction keeps the most recently used entries that fit") {
    Limits limits;
    CHECK(plan_eviction(sample(), ten, limits, 1000).empty());
    limits.max_entries = 1;
    CHECK(plan_eviction(sample(), ten, limits, 1000) == std::vector<size_t>{1, 2});
    limits = {};
    limits.max_size = 30; // new: 20 bytes; mid adds only l2 (shared counts once)
    CHECK(plan_eviction(sample(), ten, limits, 1000) == std::vector<size_t>{2});
    limits.max_size = 29;
    CHECK(plan_eviction(sample(), ten, limits, 1000) == std::vector<size_t>{1, 2});
}

TEST_CASE("once an entry does not fit, older entries go too, even small ones") {
    std::vector<EntryRef> entries = {{"a", "c", 3, {"big"}}, {"b", "c", 2, {"small"}}};
    Limits limits;
    limits.max_size = 5;
    auto size = [](const std::string &blob) -> uint64_t { return blob == "big" ? 100 : 1; };
    CHECK(plan_eviction(entries, size, limits, 10) == std::vector<size_t>{0, 1});
}

TEST_CASE("max_age evicts entries unused for longer than it") {
    Limits limits;
    limits.max_age_ns = 150;
    CHECK(plan_eviction(sample(), ten, limits, 400) == std::vector<size_t>{1, 2});
}

TEST_CASE("remove_unused skips an entry that was used after the snapshot") {
    ScratchDir dir;
    Index index("index.sqlite");
    Entry e;
    e.key_record = "r";
    e.log_blob = std::string(64, 'a');
    for (const char *key : {"k1", "k2"}) {
        e.key = key;
        e.last_use_ns = 5;
        index.put(e);
    }
    // a hit folded in between gc's look and its removal
    Statement(index.database(), "UPDATE entries SET last_use_ns = 9 WHERE key = 'k2'").run();
    auto removed = index.remove_unused({{"k1", 5}, {"k2", 5}, {"gone", 5}});
    CHECK(removed == std::vector<std::string>{"k1"});
    CHECK_FALSE(index.find("k1"));
    CHECK(index.find("k2"));
}

TEST_CASE("an entry's own bytes count towards max_size") {
    std::vector<EntryRef> entries = {{"a", "c", 3, {"x"}, 50}, {"b", "c", 2, {"y"}, 50}};
    Limits limits;
    limits.max_size = 100; // a: 10 + 50; b would add 60
    CHECK(plan_eviction(entries, ten, limits, 10) == std::vector<size_t>{1});
}

TEST_CASE("gc.usage round-trips and rejects what it did not write") {
    UsageEstimate usage{123456789, 42};
    std::string line = encode_usage(usage);
    CHECK(line == "fleche-usage 1 123456789 42\n");
    auto back = decode_usage(line);
    REQUIRE(back);
    CHECK(back->bytes == usage.bytes);
    CHECK(back->oldest_use_ns == usage.oldest_use_ns);
    for (const char *bad : {"", "fleche-usage unmeasured\n", "fleche-usage 2 1 2\n",
                            "fleche-usage 1 1 2", "fleche-usage 1 1 2\nx", "fleche-usage 1 -1 2\n"})
        CHECK_FALSE(decode_usage(bad));
}

TEST_CASE("add_usage adds to a measured store only") {
    ScratchDir dir;
    CHECK_FALSE(add_usage(".", 10, 5)); // never measured
    create_usage(".");
    CHECK_FALSE(add_usage(".", 10, 5)); // the placeholder is not a measurement
    write_usage(".", {1000, 0});
    auto usage = add_usage(".", 10, 5);
    REQUIRE(usage);
    CHECK(usage->bytes == 1010);
    CHECK(usage->oldest_use_ns == 5); // the first entry stored after the gc
    usage = add_usage(".", 10, 9);
    REQUIRE(usage);
    CHECK(usage->oldest_use_ns == 5);
}
