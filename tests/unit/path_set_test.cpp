#include "key/path_set.hpp"

#include "scratch_dir.hpp"
#include "store/path_set_list.hpp"
#include "store/stat_cache.hpp"
#include "util/clock.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <doctest/doctest.h>

#include <climits>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace fleche;
using namespace fleche::key;
using Kind = store::PathState::Kind;
namespace fs = std::filesystem;

namespace {

// What first_difference() says when nothing differs.
const std::string match = "(matches)";

std::string said(const std::optional<std::string> &difference) {
    return difference.value_or(match);
}

TracedPaths traced(std::vector<std::pair<std::string, bool>> inputs) {
    TracedPaths paths;
    for (auto &[path, listed] : inputs)
        paths.inputs.push_back({path, listed});
    std::sort(paths.inputs.begin(), paths.inputs.end(),
              [](const auto &a, const auto &b) { return a.path < b.path; });
    return paths;
}

// Everything in the scratch directory is older than the run.
int64_t after_setup() {
    return now_ns() + 1;
}

struct Checkout {
    ScratchDir scratch;
    std::string root = scratch.path().string();
    PathKeying keying{root, std::nullopt};
    store::StatCache cache{""};
    FileHasher hasher{&cache};

    std::string at(const std::string &relative) const { return root + "/" + relative; }

    BuiltPathSet build(std::vector<std::pair<std::string, bool>> inputs) {
        for (auto &input : inputs)
            if (!input.first.starts_with('/'))
                input.first = at(input.first);
        return build_path_set(traced(std::move(inputs)), keying, after_setup(), hasher);
    }

    std::string difference(const store::PathSet &set) {
        FileHasher fresh(&cache); // as the next run's
        return said(first_difference(set, keying, fresh));
    }
};

// Dates a directory back, so that a name created in it later changes its
// stamp even within one tick of the kernel's clock.
void date_back(const std::string &path) {
    timespec times[2] = {{1'000'000'000, 0}, {1'000'000'000, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

} // namespace

TEST_SUITE("path_set") {

    TEST_CASE("paths are keyed beneath the working directory and the base directory") {
        PathKeying keying{"/w/src/build", "/w/src"};
        auto round_trip = [&](const std::string &path, const std::string &keyed) {
            CHECK(keyed_path(path, keying) == keyed);
            CHECK(lookup_path(keyed, keying) == path);
        };
        round_trip("/w/src/build/main.c", "main.c");
        round_trip("/w/src/build/gen/a.h", "gen/a.h");
        round_trip("/w/src/build", ".");
        round_trip("/w/src/include/a.h", "../include/a.h");
        round_trip("/w/src", "..");
        round_trip("/w/src/x/y/z.h", "../x/y/z.h");
        round_trip("/w/srcx/a.h", "/w/srcx/a.h"); // a sibling, not beneath
        round_trip("/w/other/a.h", "/w/other/a.h");
        round_trip("/usr/include/stdio.h", "/usr/include/stdio.h");

        PathKeying no_base{"/w/src/build", std::nullopt};
        CHECK(keyed_path("/w/src/include/a.h", no_base) == "/w/src/include/a.h");
        CHECK(keyed_path("/w/src/build/a.h", no_base) == "a.h");
        // The working directory outside the base directory: nothing to share.
        PathKeying outside{"/elsewhere", "/w/src"};
        CHECK(keyed_path("/w/src/include/a.h", outside) == "/w/src/include/a.h");
        PathKeying root{"/", std::nullopt};
        CHECK(keyed_path("/usr/lib", root) == "usr/lib");
        CHECK(lookup_path("usr/lib", root) == "/usr/lib");
        CHECK(keyed_path("/", root) == ".");
        CHECK(lookup_path(".", root) == "/");
        // Lexically: ".." is never resolved through a symbolic link.
        CHECK(lookup_path("a/../../b", keying) == "/w/src/b");
        CHECK(lookup_path("../../../../..", keying) == "/");
    }

    TEST_CASE("a second checkout keys its paths the same") {
        PathKeying first{"/home/ann/proj/build", "/home/ann/proj"};
        PathKeying second{"/tmp/ci/proj/build", "/tmp/ci/proj"};
        for (std::string rel : {"include/a.h", "build/main.c", "build/gen/x.h"})
            CHECK(keyed_path("/home/ann/proj/" + rel, first) ==
                  keyed_path("/tmp/ci/proj/" + rel, second));
        CHECK(lookup_path(keyed_path("/home/ann/proj/include/a.h", first), second) ==
              "/tmp/ci/proj/include/a.h");
        CHECK(keyed_path("/usr/include/stdio.h", first) == "/usr/include/stdio.h");
    }

    TEST_CASE("a path set records each state, sorted by keyed path") {
        Checkout c;
        c.scratch.write("x.c", "int x;\n");
        c.scratch.write("data/b.txt", "b");
        c.scratch.write("data/sub/c.txt", "c");
        fs::create_directory(c.at("probed"));
        auto built = c.build({{"x.c", false},
                              {"data", true},
                              {"probed", false},
                              {"missing.h", false},
                              {"nodir/a.h", false}});
        REQUIRE(built.refusal == "");
        std::string listing = "f 5:b.txt\nd 3:sub\n";
        CHECK(built.set.paths ==
              std::vector<store::PathState>{{"data", Kind::listing, sha256_hex(listing)},
                                            {"missing.h", Kind::missing, ""},
                                            {"nodir/a.h", Kind::missing, ""},
                                            {"probed", Kind::directory, ""},
                                            {"x.c", Kind::content, sha256_hex("int x;\n")}});
        CHECK(c.difference(built.set) == match);
    }

    TEST_CASE("the encoding of a path set depends on the file system only") {
        Checkout c;
        c.scratch.write("b/h.h", "h");
        c.scratch.write("d/f", "f");
        auto first = c.build({{"b/h.h", false}, {"a/h.h", false}, {"d", true}, {"/usr", false}});
        auto second = c.build(
            {{"/usr", false}, {"d", true}, {"a/h.h", false}, {"b/h.h", false}, {"b/h.h", false}});
        REQUIRE(first.refusal == "");
        REQUIRE(second.refusal == "");
        CHECK(store::encode_path_lines(first.set) == store::encode_path_lines(second.set));
        CHECK(store::encode_path_lines(first.set) ==
              "path 4:/usr directory\npath 5:a/h.h missing\npath 5:b/h.h content " +
                  sha256_hex("h") + "\npath 1:d listing " + sha256_hex("f 1:f\n") + "\n");
    }

    TEST_CASE("first_difference names what changed") {
        Checkout c;
        c.scratch.write("x.c", "one");
        c.scratch.write("gone.h", "g");
        fs::create_directory(c.at("dir"));
        auto built = c.build({{"x.c", false}, {"gone.h", false}, {"dir", false}, {"new.h", false}});
        REQUIRE(built.refusal == "");
        const auto &set = built.set;
        CHECK(c.difference(set) == match);

        c.scratch.write("x.c", "two");
        CHECK(c.difference(set) == "input x.c: content changed");
        c.scratch.write("x.c", "one");
        CHECK(c.difference(set) == match);

        c.scratch.write("new.h", "");
        CHECK(c.difference(set) == "input new.h: appeared");
        fs::remove(c.at("new.h"));
        fs::remove(c.at("gone.h"));
        CHECK(c.difference(set) == "input gone.h: disappeared");
        c.scratch.write("gone.h", "g");

        fs::remove(c.at("dir"));
        c.scratch.write("dir", "");
        CHECK(c.difference(set) == "input dir: is no longer a directory");
        fs::remove(c.at("dir"));
        CHECK(c.difference(set) == "input dir: disappeared");
        fs::create_directory(c.at("dir"));
        CHECK(c.difference(set) == match);

        fs::remove(c.at("x.c"));
        fs::create_directory(c.at("x.c"));
        CHECK(c.difference(set) == "input x.c: is now a directory");
        fs::remove(c.at("x.c"));
        REQUIRE(::mkfifo(c.at("x.c").c_str(), 0644) == 0);
        CHECK(c.difference(set) == "input x.c: is no longer a regular file");
    }

    TEST_CASE("a listing changes with its names and types, not with their contents") {
        Checkout c;
        c.scratch.write("data/a.txt", "a");
        auto built = c.build({{"data", true}});
        REQUIRE(built.refusal == "");
        c.scratch.write("data/a.txt", "changed, and longer");
        CHECK(c.difference(built.set) == match);
        c.scratch.write("data/b.txt", "b");
        CHECK(c.difference(built.set) == "directory data: listing changed");
        fs::remove(c.at("data/b.txt"));
        CHECK(c.difference(built.set) == match);
        fs::remove(c.at("data/a.txt"));
        fs::create_directory(c.at("data/a.txt"));
        CHECK(c.difference(built.set) == "directory data: listing changed");
        fs::remove(c.at("data/a.txt"));
        fs::create_symlink("elsewhere", c.at("data/a.txt"));
        CHECK(c.difference(built.set) == "directory data: listing changed");
        fs::remove(c.at("data/a.txt"));
        c.scratch.write("data/a.txt", "a");
        CHECK(c.difference(built.set) == match);
        fs::remove_all(c.at("data"));
        c.scratch.write("data", "");
        CHECK(c.difference(built.set) == "input data: is no longer a directory");
    }

    TEST_CASE("a header earlier on the include path is a difference until it goes") {
        // gcc -Ia -Ib with only b/h.h: creating a/h.h must miss (ccache's
        // direct mode is known to hit), removing it must hit again.
        Checkout c;
        fs::create_directory(c.at("a"));
        c.scratch.write("b/h.h", "#define H 1\n");
        auto built = c.build({{"a/h.h", false}, {"b/h.h", false}});
        REQUIRE(built.refusal == "");
        CHECK(built.set.paths ==
              std::vector<store::PathState>{{"a/h.h", Kind::missing, ""},
                                            {"b/h.h", Kind::content, sha256_hex("#define H 1\n")}});
        c.scratch.write("a/h.h", "#define H 2\n");
        CHECK(c.difference(built.set) == "input a/h.h: appeared");
        fs::remove(c.at("a/h.h"));
        CHECK(c.difference(built.set) == match);
    }

    TEST_CASE("symbolic links are followed") {
        Checkout c;
        c.scratch.write("real.h", "r");
        c.scratch.write("same.h", "r");
        fs::create_symlink("real.h", c.at("link.h"));
        auto built = c.build({{"link.h", false}});
        REQUIRE(built.refusal == "");
        CHECK(built.set.paths ==
              std::vector<store::PathState>{{"link.h", Kind::content, sha256_hex("r")}});
        c.scratch.write("real.h", "changed");
        CHECK(c.difference(built.set) == "input link.h: content changed");
        fs::remove(c.at("link.h"));
        fs::create_symlink("same.h", c.at("link.h"));
        CHECK(c.difference(built.set) == match);
        fs::remove(c.at("same.h"));
        CHECK(c.difference(built.set) == "input link.h: disappeared");
    }

    TEST_CASE("an input changed while CMD ran is refused") {
        Checkout c;
        c.scratch.write("x.h", "x");
        c.scratch.write("d/a", "a");
        struct stat st;
        REQUIRE(::stat(c.at("x.h").c_str(), &st) == 0);
        // Stated from the file's own times: the kernel's clock is coarser than
        // now_ns(), so a file written just after a start can look older than it.
        int64_t changed = std::max(stamp_of(st).mtime_ns, stamp_of(st).ctime_ns);
        TracedPaths inputs = traced({{c.at("x.h"), false}});
        CHECK(build_path_set(inputs, c.keying, changed, c.hasher).refusal ==
              "input x.h changed while CMD ran");
        CHECK(build_path_set(inputs, c.keying, changed + 1, c.hasher).refusal == "");
        REQUIRE(::stat(c.at("d").c_str(), &st) == 0);
        changed = std::max(stamp_of(st).mtime_ns, stamp_of(st).ctime_ns);
        CHECK(build_path_set(traced({{c.at("d"), true}}), c.keying, changed, c.hasher).refusal ==
              "input d changed while CMD ran");
        // A name created in a directory that was only probed changes nothing
        // CMD saw.
        CHECK(build_path_set(traced({{c.at("d"), false}}), c.keying, changed, c.hasher).refusal ==
              "");
    }

    TEST_CASE("an input that cannot be read, or is no file, is refused") {
        Checkout c;
        // Read as root too: its first page is not mapped.
        TracedPaths mem = traced({{"/proc/self/mem", false}});
        CHECK(build_path_set(mem, c.keying, INT64_MAX, c.hasher).refusal ==
              "cannot read '/proc/self/mem': Input/output error");
        store::PathSet recorded{{{"/proc/self/mem", Kind::content, sha256_hex("")}}};
        CHECK(c.difference(recorded) ==
              "input /proc/self/mem: cannot read '/proc/self/mem': Input/output error");
        if (::geteuid() != 0) {
            c.scratch.write("secret.h", "s");
            fs::permissions(c.at("secret.h"), fs::perms::none);
            CHECK(c.build({{"secret.h", false}}).refusal ==
                  "cannot read '" + c.at("secret.h") + "': Permission denied");
        } else {
            MESSAGE("as root, a file without read permission is readable: not tested");
        }
        REQUIRE(::mkfifo(c.at("fifo").c_str(), 0644) == 0);
        CHECK(c.build({{"fifo", false}}).refusal == "input fifo is a FIFO");
    }

    TEST_CASE("a second checkout at another path matches with the base directory") {
        ScratchDir scratch;
        scratch.write("one/proj/include/a.h", "a");
        scratch.write("one/proj/build/main.c", "m");
        fs::create_directories(scratch.path() / "one/proj/include/sys");
        std::string one = (scratch.path() / "one/proj").string();
        std::string two = (scratch.path() / "two/proj").string();
        auto inputs = [](const std::string &root) {
            return traced({{root + "/include/a.h", false},
                           {root + "/build/main.c", false},
                           {root + "/build/a.h", false},
                           {root + "/include", true},
                           {root + "/include/missing.h", false},
                           {"/usr/include", false}});
        };
        PathKeying first{one + "/build", one};
        store::StatCache cache("");
        FileHasher hasher(&cache);
        auto built = build_path_set(inputs(one), first, after_setup(), hasher);
        REQUIRE(built.refusal == "");
        CHECK(built.set.paths[0].path == "../include");
        fs::create_directories(scratch.path() / "two");
        fs::copy(scratch.path() / "one", scratch.path() / "two", fs::copy_options::recursive);

        PathKeying second{two + "/build", two};
        CHECK(said(first_difference(built.set, second, hasher)) == match);
        auto again = build_path_set(inputs(two), second, after_setup(), hasher);
        REQUIRE(again.refusal == "");
        std::string k1(64, '1');
        CHECK(store::traced_entry_key(k1, again.set) == store::traced_entry_key(k1, built.set));
        scratch.write("two/proj/build/a.h", "");
        CHECK(said(first_difference(built.set, second, hasher)) == "input a.h: appeared");
        CHECK(said(first_difference(built.set, first, hasher)) == match);
    }

    TEST_CASE("one stat of their directory answers for its missing names") {
        Checkout c;
        c.scratch.write("inc/x.h", "x");
        date_back(c.at("inc"));
        // Every stamp of the scratch directory can be remembered from now on:
        // the directory's old mtime stands for the racy rule.
        FileHasher recorder(&c.cache, 0);
        auto built = build_path_set(traced({{c.at("inc/a.h"), false},
                                            {c.at("inc/b.h"), false},
                                            {c.at("inc/c.h"), false},
                                            {c.at("inc/x.h"), false},
                                            {c.at("gone/a.h"), false},
                                            {c.at("gone/b.h"), false}}),
                                    c.keying, after_setup(), recorder);
        REQUIRE(built.refusal == "");
        auto check_match = [&](const std::string &expected, uint64_t stats) {
            FileHasher hasher(&c.cache, 0);
            uint64_t before = path_set_stat_count();
            CHECK(said(first_difference(built.set, c.keying, hasher)) == expected);
            CHECK(path_set_stat_count() - before == stats);
        };
        // gone: 1 for 2 names; inc: 1 for 3 names, and x.h.
        check_match(match, 3);

        c.scratch.write("inc/b.h", "");
        // inc, inc/a.h, inc/b.h: the new stamp is not one they were missing at.
        check_match("input inc/b.h: appeared", 4);
        fs::remove(c.at("inc/b.h"));
        date_back(c.at("inc"));
        // Each name stat'ed once more, then their directory's stamp remembered
        // (stat'ed before and after them): gone, inc, 3 names, inc, x.h.
        check_match(match, 7);
        check_match(match, 3);
    }

    TEST_CASE("a remembered listing is answered by one stat of its directory") {
        Checkout c;
        c.scratch.write("data/a.txt", "a");
        date_back(c.at("data"));
        FileHasher recorder(&c.cache, 0);
        auto built =
            build_path_set(traced({{c.at("data"), true}}), c.keying, after_setup(), recorder);
        REQUIRE(built.refusal == "");
        FileHasher hasher(&c.cache, 0);
        uint64_t before = path_set_stat_count();
        CHECK(said(first_difference(built.set, c.keying, hasher)) == match);
        CHECK(path_set_stat_count() - before == 1);
        c.scratch.write("data/b.txt", "b");
        CHECK(said(first_difference(built.set, c.keying, hasher)) ==
              "directory data: listing changed");
    }

    TEST_CASE("a fact never answers for a file's digest") {
        store::StatCache cache("");
        FileHasher hasher(&cache, 0);
        FileStamp stamp{1, 2, 3, 4, 5};
        std::string digest = sha256_hex("fact");
        hasher.remember_fact("/w/a.txt", stamp, digest);
        auto recalled = hasher.recall_fact("/w/a.txt", stamp);
        REQUIRE(recalled);
        CHECK(to_hex(*recalled) == digest);
        CHECK_FALSE(hasher.recall("/w/a.txt", stamp));
        FileHasher racy(&cache); // a stamp of now is racy: never remembered
        FileStamp now{1, 2, 3, now_ns(), now_ns()};
        racy.remember_fact("/w/b", now, digest);
        CHECK_FALSE(racy.recall_fact("/w/b", now));
    }

} // TEST_SUITE
