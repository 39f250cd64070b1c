// Restoring outputs never writes outside the working directory, whatever the
// entry says: not through a symlink on the way or at the destination, not
// through "..", an absolute path or a row beneath a link of the same entry.
// Nothing of a refused entry is written; the store is never captured,
// removed or replaced.
#include "scratch_dir.hpp"
#include "store/output_files.hpp"
#include "store/store.hpp"
#include "util/beneath.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
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

OutputRecord dir_record(const std::string &path) {
    return {path, OutputType::directory, false, "", "", 0, 0755};
}

OutputRecord link_record(const std::string &path, const std::string &target) {
    return {path, OutputType::symlink, false, "", target, 0, std::nullopt};
}

std::string content(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
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
    fs::path outside() const { return dir.path() / "outside"; }
};

} // namespace

TEST_CASE("an output below a symlink that leaves the tree is refused") {
    Layout at;
    REQUIRE(::symlink("../outside", "link") == 0);
    auto record = file_record(at.dir, at.store, "link/out.txt");
    CHECK_THROWS_WITH_AS(restore_outputs(at.store.blobs(), {record}),
                         doctest::Contains("outside the working directory"), Error);
    CHECK(fs::is_empty(at.outside()));
}

TEST_CASE("an output with .. that leaves the tree is refused") {
    Layout at;
    auto record = file_record(at.dir, at.store, "../outside/out.txt");
    CHECK_THROWS_AS(restore_outputs(at.store.blobs(), {record}), Error);
    CHECK_FALSE(fs::exists(at.outside() / "out.txt"));
}

TEST_CASE("a symlink on the way is not followed, even one that stays inside the tree") {
    Layout at;
    fs::create_directories("real");
    REQUIRE(::symlink("real", "link") == 0);
    auto record = file_record(at.dir, at.store, "link/out.txt");
    CHECK_THROWS_WITH_AS(restore_outputs(at.store.blobs(), {record}),
                         doctest::Contains("reached through a symbolic link"), Error);
    CHECK(fs::is_empty("real"));
}

TEST_CASE("a tampered entry whose link replaces a directory it lists is refused whole") {
    // Rows b (dir), b/f (file), c/../b (a link out of the tree): restored in
    // that order, b/f would be written through the link.
    Layout at;
    auto file = file_record(at.dir, at.store, "b/f");
    CHECK_THROWS_WITH_AS(restore_outputs(at.store.blobs(), {dir_record("b"), file,
                                                            link_record("c/../b", "../outside")}),
                         doctest::Contains("leads outside the working directory"), Error);
    CHECK(fs::is_empty(at.outside()));
    CHECK(fs::is_empty(".")); // refused before anything was made: no b, no c
}

TEST_CASE("an entry listing a file beneath one of its links is refused whole") {
    Layout at;
    auto file = file_record(at.dir, at.store, "b/f");
    CHECK_THROWS_WITH_AS(restore_outputs(at.store.blobs(), {link_record("b", "../outside"), file}),
                         doctest::Contains("which is not a directory"), Error);
    CHECK(fs::is_empty(at.outside()));
    CHECK(fs::is_empty("."));
}

TEST_CASE("an entry listing a path twice is refused whole") {
    Layout at;
    CHECK_THROWS_WITH_AS(
        restore_outputs(at.store.blobs(), {dir_record("b"), link_record("b", "../outside")}),
        doctest::Contains("listed twice"), Error);
    CHECK(fs::is_empty("."));
}

TEST_CASE("an absolute output is refused and creates no directory") {
    Layout at;
    std::string target = (at.outside() / "made/deeper/out.txt").string();
    auto record = file_record(at.dir, at.store, target);
    CHECK_THROWS_WITH_AS(restore_outputs(at.store.blobs(), {record}),
                         doctest::Contains("outside the working directory"), Error);
    CHECK(fs::is_empty(at.outside()));
}

TEST_CASE("an empty path component is refused") {
    Layout at;
    auto record = file_record(at.dir, at.store, "a//out.txt");
    CHECK_THROWS_AS(restore_outputs(at.store.blobs(), {record}), Error);
    CHECK(fs::is_empty("."));
}

TEST_CASE("a symlink at the destination is replaced, never written through") {
    Layout at;
    at.dir.write("outside/victim", "keep\n");
    REQUIRE(::symlink("../outside/victim", "out.txt") == 0);
    REQUIRE(::symlink("../outside", "d") == 0);
    auto record = file_record(at.dir, at.store, "out.txt");
    restore_outputs(at.store.blobs(), {record, dir_record("d"), link_record("d/l", "/etc")});
    CHECK_FALSE(fs::is_symlink("out.txt"));
    CHECK(content("out.txt") == "payload\n");
    CHECK(content(at.outside() / "victim") == "keep\n");
    CHECK(fs::is_directory(fs::symlink_status("d")));
    CHECK(fs::read_symlink("d/l") == "/etc"); // a link out of the tree: its text, as stored
    CHECK(std::distance(fs::directory_iterator(at.outside()), {}) == 1); // the victim alone
}

TEST_CASE("a restored directory that holds the store keeps it") {
    // FLECHE_DIR=build/.fleche with -o build: the store is never captured,
    // and replacing build on a hit leaves it alone.
    ScratchDir dir;
    Store store{(dir.path() / "build/.fleche").string()};
    dir.write("build/old.txt", "stale\n");
    auto captured = capture_outputs(store.blobs(), {"build"});
    REQUIRE(captured);
    for (const auto &record : *captured)
        CHECK_FALSE(record.path.starts_with("build/.fleche"));
    auto file = file_record(dir, store, "build/new.txt");
    restore_outputs(store.blobs(), {dir_record("build"), file});
    CHECK_FALSE(fs::exists("build/old.txt"));
    CHECK(content("build/new.txt") == "payload\n");
    CHECK(fs::is_directory("build/.fleche/entries"));
    CHECK(store.blobs().contains(file.blob));
}

TEST_CASE("an output in the store is refused") {
    ScratchDir dir;
    Store store{(dir.path() / "build/.fleche").string()};
    auto file = file_record(dir, store, "build/.fleche/planted");
    CHECK_THROWS_WITH_AS(restore_outputs(store.blobs(), {file}), doctest::Contains("in the store"),
                         Error);
    CHECK_FALSE(fs::exists("build/.fleche/planted"));
    CHECK_FALSE(capture_outputs(store.blobs(), {"build/.fleche"}));
}

TEST_CASE("beneath paths: relative, no empty, . or .. component") {
    CHECK(is_beneath_path("a"));
    CHECK(is_beneath_path("a/b.c/..d"));
    for (const char *bad : {"", "/a", "a/", "a//b", "./a", "a/.", "a/../b", ".."})
        CHECK_FALSE(is_beneath_path(bad));
}

namespace {

void check_open_beneath() {
    ScratchDir dir;
    Fd here(::open(".", O_PATH | O_DIRECTORY));
    fs::create_directories("real");
    REQUIRE(::symlink("real", "link") == 0);
    dir.write("file", "x");
    CHECK(open_beneath(here.get(), "a/b/c", true));
    CHECK(fs::is_directory("a/b/c"));
    CHECK(open_beneath(here.get(), "a/b"));
    CHECK_FALSE(open_beneath(here.get(), "link/x", true));
    CHECK_FALSE(open_beneath(here.get(), "link"));
    CHECK_FALSE(open_beneath(here.get(), "file/x", true));
    CHECK(fs::is_empty("real"));
    CHECK_FALSE(open_beneath(here.get(), "../x", true));
    CHECK_FALSE(open_beneath(here.get(), "/tmp"));
    CHECK_FALSE(open_beneath(here.get(), "missing"));
    CHECK_FALSE(fs::exists("missing"));
}

} // namespace

TEST_CASE("open_beneath makes missing directories one by one and follows no link") {
    check_open_beneath();
}

// Last: the fallback stays on for the rest of the process.
TEST_CASE("open_beneath without openat2 does the same") {
    open_beneath_without_openat2();
    check_open_beneath();
    Layout at; // and a restore refuses what it refused with openat2
    REQUIRE(::symlink("../outside", "link") == 0);
    auto record = file_record(at.dir, at.store, "link/out.txt");
    CHECK_THROWS_AS(restore_outputs(at.store.blobs(), {record}), Error);
    CHECK(fs::is_empty(at.outside()));
    restore_outputs(at.store.blobs(), {file_record(at.dir, at.store, "new/deeper/out.txt")});
    CHECK(content("new/deeper/out.txt") == "payload\n");
}
