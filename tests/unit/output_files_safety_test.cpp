// Restoring outputs never writes outside the working directory: not through
// a symlinked directory on the way, not through "..".
#include "scratch_dir.hpp"
#include "store/output_files.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

using namespace fleche;
using namespace fleche::store;

namespace fs = std::filesystem;

namespace {

// A blob holding "payload\n" and a record restoring it at `path`.
OutputRecord file_record(ScratchDir &dir, const Store &store, const std::string &path) {
    dir.write("source.txt", "payload\n");
    std::string source = (dir.path() / "source.txt").string();
    std::string blob = store_file(store.blobs(), source);
    fs::remove(source);
    return {path, OutputType::file, false, blob, "", 8, 0644};
}

// Runs the test from tree/, with outside/ beside it.
struct Layout {
    ScratchDir dir;
    Store store{(dir.path() / "store").string()};
    Layout() {
        fs::create_directories("tree");
        fs::create_directories("outside");
        fs::current_path("tree");
    }
    ~Layout() { fs::current_path(dir.path()); }
};

} // namespace

TEST_CASE("an output below a symlink that leaves the tree is refused") {
    Layout at;
    REQUIRE(::symlink("../outside", "link") == 0);
    auto record = file_record(at.dir, at.store, "link/out.txt");
    CHECK_THROWS_WITH_AS(restore_outputs(at.store.blobs(), {record}),
                         doctest::Contains("outside the working directory"), Error);
    CHECK(fs::is_empty(at.dir.path() / "outside"));
}

TEST_CASE("an output with .. that leaves the tree is refused") {
    Layout at;
    auto record = file_record(at.dir, at.store, "../outside/out.txt");
    CHECK_THROWS_AS(restore_outputs(at.store.blobs(), {record}), Error);
    CHECK_FALSE(fs::exists(at.dir.path() / "outside/out.txt"));
}

TEST_CASE("a symlink that stays inside the tree is followed") {
    Layout at;
    fs::create_directories("real");
    REQUIRE(::symlink("real", "link") == 0);
    auto record = file_record(at.dir, at.store, "link/out.txt");
    restore_outputs(at.store.blobs(), {record});
    CHECK(fs::file_size("real/out.txt") == 8);
}
