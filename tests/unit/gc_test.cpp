#include "scratch_dir.hpp"
#include "store/gc.hpp"
#include "store/usage_estimate.hpp"
#include "store/verify.hpp"
#include "util/sha256.hpp"

#include <set>

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

namespace {

std::string put_blob(Store &store, const std::string &content) {
    BlobWriter writer(store.blobs());
    writer.write(content.data(), content.size());
    return writer.commit();
}

std::set<std::string> blobs_on_disk(const Store &store) {
    std::set<std::string> digests;
    for (const auto &blob : list_blob_files(store.dir()))
        digests.insert(blob.digest);
    return digests;
}

} // namespace

TEST_CASE("gc of many entries leaves exactly the newest, their blobs, and a store that verifies") {
    ScratchDir dir;
    Store store("store");
    std::string shared = put_blob(store, "shared by every third entry\n");
    std::vector<Entry> stored;
    for (int i = 0; i < 300; ++i) { // enough to remove on several threads
        Entry e;
        e.key_record = "fleche-key 1\nargv 3:sim\nargv " +
                       std::to_string(std::to_string(i).size()) + ":" + std::to_string(i) + "\n";
        e.name = "sim";
        e.command = "sim " + std::to_string(i);
        e.log_blob = put_blob(store, "log " + std::to_string(i));
        e.started_ns = e.stopped_ns = e.last_use_ns = 1000 + i;
        if (i % 3 == 0) {
            OutputRecord out;
            out.path = "out";
            out.blob = i % 2 ? shared : put_blob(store, "output " + std::to_string(i));
            e.outputs.push_back(out);
            e.key_record += "output 3:out\n";
        }
        e.key = fleche::sha256_hex(e.key_record);
        store.index().put(e);
        store.entries().write(e);
        stored.push_back(e);
    }
    Limits limits;
    limits.max_entries = 100;
    GcResult result = collect_garbage(store, limits, false, nullptr);
    CHECK(result.entries == 200);
    CHECK(result.kept_entries == 100);
    std::set<std::string> keys, files, blobs;
    for (int i = 200; i < 300; ++i) {
        keys.insert(stored[i].key);
        blobs.insert(stored[i].log_blob);
        for (const auto &out : stored[i].outputs)
            blobs.insert(out.blob);
    }
    std::set<std::string> indexed;
    for (const auto &entry : list_entries(store.index()))
        indexed.insert(entry.key);
    CHECK(indexed == keys);
    store.entries().for_each_key([&](const std::string &key) { files.insert(key); });
    CHECK(files == keys);
    CHECK(blobs.count(shared));
    CHECK(blobs_on_disk(store) == blobs);
    CHECK(result.blobs == 300 + 50 - (blobs.size() - 1)); // the shared one stays
    for (const char *table : {"outputs", "tags"}) {
        Statement rows(store.index().database(), (std::string("SELECT count(*) FROM ") + table +
                                                  " WHERE key NOT IN (SELECT key FROM entries)")
                                                     .c_str());
        REQUIRE(rows.step());
        CHECK(rows.integer(0) == 0);
    }
    VerifyResult verified = verify_store(store, false, nullptr);
    CHECK(verified.problems.empty());
    CHECK(verified.orphans == 0);
    CHECK(verified.entries == 100);
}
