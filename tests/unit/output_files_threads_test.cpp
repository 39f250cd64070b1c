// restore_outputs restores large outputs on several threads (run under
// ThreadSanitizer by scripts/test.sh: suite "threads").
#include "random_bytes.hpp"
#include "scratch_dir.hpp"
#include "store/output_files.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <thread>

using namespace fleche;
using namespace fleche::store;

namespace {

std::string content_of(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Five files of 3 MB (above the 8 MB that starts threads) in out/, stored as
// blobs; the working copies are then removed.
std::vector<OutputRecord> stored_outputs(ScratchDir &dir, const Store &store,
                                         std::vector<std::string> &contents) {
    std::vector<OutputRecord> records{{"out", OutputType::directory, false, "", "", 0, 0700}};
    for (unsigned i = 0; i < 5; ++i) {
        std::string path = "out/part" + std::to_string(i);
        contents.push_back(random_bytes(3 << 20, i));
        dir.write(path, contents.back());
        bool executable = i % 2 == 1;
        records.push_back({path, OutputType::file, executable, store_file(store.blobs(), path), "",
                           contents.back().size(), executable ? 0750u : 0640u});
    }
    std::filesystem::remove_all("out");
    return records;
}

} // namespace

TEST_SUITE("threads") {
    TEST_CASE("large outputs restored on several threads have their stored content") {
        REQUIRE(std::thread::hardware_concurrency() >= 2);
        ScratchDir dir;
        Store store(dir.path().string() + "/store");
        std::vector<std::string> contents;
        auto records = stored_outputs(dir, store, contents);
        restore_outputs(store.blobs(), records);
        for (size_t i = 1; i < records.size(); ++i) {
            CHECK(content_of(records[i].path) == contents[i - 1]);
            auto perms = std::filesystem::status(records[i].path).permissions();
            CHECK(static_cast<uint32_t>(perms) == *records[i].mode);
        }
    }

    TEST_CASE("a damaged blob among outputs restored on threads fails the restore") {
        REQUIRE(std::thread::hardware_concurrency() >= 2);
        ScratchDir dir;
        Store store(dir.path().string() + "/store");
        std::vector<std::string> contents;
        auto records = stored_outputs(dir, store, contents);
        std::filesystem::remove(store.blobs().path_of(records[3].blob));
        CHECK_THROWS_AS(restore_outputs(store.blobs(), records), BlobCorrupt);
        // The damaged one is not there with other bytes; nothing half-written is left.
        CHECK_FALSE(std::filesystem::exists(records[3].path));
        for (const auto &entry : std::filesystem::directory_iterator("out"))
            CHECK_FALSE(entry.path().filename().string().starts_with(".fleche-restore"));
    }
}
