// FileHasher::prefetch hashes large inputs on several threads (run under
// ThreadSanitizer by scripts/test.sh: suite "threads").
#include "key/file_hasher.hpp"
#include "random_bytes.hpp"
#include "scratch_dir.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <thread>

using namespace fleche;

TEST_SUITE("threads") {
    TEST_CASE("inputs hashed on several threads get the digests of their contents") {
        // Below two cores prefetch hashes nothing and the test would prove nothing.
        REQUIRE(std::thread::hardware_concurrency() >= 2);
        ScratchDir dir;
        // 5 x 3 MB: above the 8 MB that makes prefetch start threads.
        std::vector<std::string> paths, contents;
        for (unsigned i = 0; i < 5; ++i) {
            paths.push_back("part" + std::to_string(i));
            contents.push_back(random_bytes(3 << 20, i));
            dir.write(paths.back(), contents.back());
        }
        std::vector<struct stat> stats(paths.size());
        for (size_t i = 0; i < paths.size(); ++i)
            REQUIRE(::stat(paths[i].c_str(), &stats[i]) == 0);
        std::vector<key::FileHasher::Found> found;
        for (size_t i = 0; i < paths.size(); ++i)
            found.push_back({paths[i], key::stamp_of(stats[i])});
        key::FileHasher hasher;
        hasher.prefetch(found);
        // Gone from disk: digest() can only answer from what the threads computed.
        for (const auto &path : paths)
            std::filesystem::remove(path);
        for (size_t i = 0; i < paths.size(); ++i)
            CHECK(hasher.digest(paths[i], stats[i]) == sha256_hex(contents[i]));
    }
}
