// The stat cache file's codec: a slot yields its digest only when it is
// stable, intact and holds the key asked for; a header that is not ours
// is ignored. The threads case runs under ThreadSanitizer (suite "threads").
#include "scratch_dir.hpp"
#include "store/stat_cache.hpp"
#include "store/stat_cache_file.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

using namespace fleche;
using namespace fleche::store;

namespace {

Digest digest_of(const std::string &text) {
    Sha256 hash;
    hash.update(text);
    return hash.finish();
}

key::FileStamp stamp(int64_t n) {
    return {2049, 1000 + n, 42, 1'700'000'000'000'000'000 + n, 1'700'000'000'000'000'000 + 7 * n};
}

} // namespace

TEST_CASE("a stat cache slot gives back what was written, for that key only") {
    uint64_t slot[stat_cache_slot_words] = {};
    StatKey key = stat_key("/w/a.txt", stamp(1));
    CHECK_FALSE(read_slot(slot, key)); // all zero: empty
    write_slot(slot, key, digest_of("a"));
    CHECK(read_slot(slot, key) == digest_of("a"));
    CHECK_FALSE(read_slot(slot, stat_key("/w/b.txt", stamp(1))));
    key::FileStamp other = stamp(1);
    other.ctime_ns += 1;
    CHECK_FALSE(read_slot(slot, stat_key("/w/a.txt", other)));
    write_slot(slot, key, digest_of("b")); // rewritten in place
    CHECK(read_slot(slot, key) == digest_of("b"));
}

TEST_CASE("a file found by its directory and name is the file found by its path") {
    // What a directory walk remembers by path, it finds by name, and back.
    StatCache cache(""); // in memory only
    cache.remember("/w/src/a.txt", stamp(1), to_hex(digest_of("a")));
    uint64_t dir = cache.directory("/w/src/");
    CHECK(cache.find_in(dir, "a.txt", stamp(1)) == digest_of("a"));
    CHECK_FALSE(cache.find_in(dir, "a.tx", stamp(1)));
    CHECK_FALSE(cache.find_in(cache.directory("/w/"), "a.txt", stamp(1)));
    CHECK_FALSE(cache.find_in(dir, "a.txt", stamp(2)));
    StatKey whole = stat_key("/w/src/a.txt", stamp(1));
    StatKey steps = stat_key(path_hash_state("/w/src/"), "a.txt", stamp(1));
    CHECK(whole.path_hash == steps.path_hash);
}

TEST_CASE("a damaged or half-written stat cache slot is a miss") {
    StatKey key = stat_key("/w/a.txt", stamp(1));
    uint64_t good[stat_cache_slot_words] = {};
    write_slot(good, key, digest_of("a"));
    for (size_t word = 0; word < stat_cache_slot_words; ++word)
        for (int bit : {0, 17, 63}) {
            uint64_t slot[stat_cache_slot_words];
            std::memcpy(slot, good, sizeof slot);
            slot[word] ^= uint64_t(1) << bit;
            auto found = read_slot(slot, key);
            // A flipped bit in seq may leave it even: the words still pass.
            if (word == 0 && bit != 0)
                CHECK(found == digest_of("a"));
            else
                CHECK_FALSE(found);
        }
    // Torn: the first half of one write, the second of another.
    uint64_t other[stat_cache_slot_words] = {};
    write_slot(other, key, digest_of("b"));
    uint64_t torn[stat_cache_slot_words];
    std::memcpy(torn, good, sizeof torn);
    std::memcpy(torn + 9, other + 9, 3 * sizeof(uint64_t));
    CHECK_FALSE(read_slot(torn, key));
}

TEST_CASE("a stat cache header that is not ours is ignored") {
    size_t words = stat_cache_file_words(8);
    std::vector<uint64_t> file(words);
    write_header(file.data(), 8);
    CHECK(valid_bucket_count(file.data(), words) == 8);
    CHECK(valid_bucket_count(file.data(), words - 1) == 0); // truncated
    CHECK(valid_bucket_count(file.data(), 4) == 0);
    for (size_t word = 0; word < 4; ++word) {
        auto damaged = file;
        damaged[word] ^= 1;
        CHECK(valid_bucket_count(damaged.data(), words) == 0);
    }
}

TEST_CASE("a store's stat cache file is created, found again, and replaced when foreign") {
    ScratchDir dir;
    std::filesystem::create_directory("tmp");
    std::string path = (dir.path() / "stat-cache").string(), tmp = (dir.path() / "tmp").string();
    StatKey key = stat_key("/w/a.txt", stamp(1));
    CHECK_FALSE(StatCacheFile(path).find(key)); // missing
    REQUIRE(StatCacheFile(path).write({{key, digest_of("a")}}, tmp));
    CHECK(StatCacheFile(path).find(key) == digest_of("a"));
    CHECK(std::filesystem::file_size(path) == stat_cache_file_words(stat_cache_bucket_count) * 8);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(4096, 'x');
    CHECK_FALSE(StatCacheFile(path).find(key));
    REQUIRE(StatCacheFile(path).write({{key, digest_of("b")}}, tmp));
    CHECK(StatCacheFile(path).find(key) == digest_of("b"));
    CHECK(std::filesystem::is_empty("tmp"));
}

TEST_CASE("a stat cache keeps the newest stamp of a path, and no stale one") {
    ScratchDir dir;
    std::filesystem::create_directory("tmp");
    std::string path = (dir.path() / "stat-cache").string(), tmp = (dir.path() / "tmp").string();
    StatCacheFile file(path);
    for (int64_t n = 1; n <= 10; ++n)
        REQUIRE(file.write({{stat_key("/w/a.txt", stamp(n)), digest_of(std::to_string(n))}}, tmp));
    StatCacheFile reader(path);
    CHECK(reader.find(stat_key("/w/a.txt", stamp(10))) == digest_of("10"));
    CHECK_FALSE(reader.find(stat_key("/w/a.txt", stamp(9))));
}

TEST_SUITE("threads") {
    TEST_CASE("stat cache threads writing and reading never see a wrong digest") {
        ScratchDir dir;
        std::filesystem::create_directory("tmp");
        std::string store = dir.path().string();
        // Few paths, many stamps: slots are rewritten while they are read.
        auto path_of = [](int i) { return "/w/file" + std::to_string(i % 3); };
        auto expected = [&](int i, int64_t n) {
            return to_hex(digest_of(path_of(i) + "@" + std::to_string(n)));
        };
        std::atomic<bool> done{false};
        std::atomic<int> found{0}, wrong{0};
        std::vector<std::thread> threads;
        for (int w = 0; w < 2; ++w)
            threads.emplace_back([&, w] {
                for (int64_t n = 0; n < 300; ++n) {
                    StatCache cache(store); // as another process would
                    for (int i = 0; i < 3; ++i)
                        cache.remember(path_of(i), stamp(n % 7 + w), expected(i, n % 7 + w));
                    cache.flush();
                }
            });
        for (int r = 0; r < 2; ++r)
            threads.emplace_back([&] {
                while (!done) {
                    StatCache cache(store);
                    for (int i = 0; i < 3; ++i)
                        for (int64_t n = 0; n < 8; ++n)
                            if (auto digest = cache.find(path_of(i), stamp(n))) {
                                ++found;
                                if (to_hex(*digest) != expected(i, n))
                                    ++wrong;
                            }
                }
            });
        threads[0].join();
        threads[1].join();
        done = true;
        threads[2].join();
        threads[3].join();
        CHECK(wrong == 0);
        CHECK(found > 0);
    }
}
