// The paths of traced entries in the index (store/index.hpp, path_set_paths):
// put with the entry, found by query --input, removed with it (rm, gc),
// rebuilt from the entry files, and an index of version 2 that lacks them
// rebuilt rather than trusted.
#include "scratch_dir.hpp"
#include "store/entry_query.hpp"
#include "store/local_storage.hpp"
#include "store/path_set_list.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

using namespace fleche;
using namespace fleche::store;

namespace {

using Keys = std::vector<std::string>;

const std::string traced_record = "fleche-key 1\nargv 2:sh\ntrace 7:rules 1\n";

PathSet sample_set() {
    using K = PathState::Kind;
    return {{{"/usr/include/stdio.h", K::content, std::string(64, '1')},
             {"data", K::listing, std::string(64, '2')},
             {"in.txt", K::content, std::string(64, '3')},
             {"inc", K::directory, ""},
             {"maybe.txt", K::missing, ""}}};
}

// A traced run's entry, named by its K2 as the engine names it.
Entry traced_entry(const PathSet &set, int64_t stopped_ns = 20) {
    Entry e;
    e.key_record = traced_record;
    e.key = traced_entry_key(sha256_hex(traced_record), set);
    e.path_sets = {set};
    e.name = "sh";
    e.command = "sh";
    e.log_blob = std::string(64, 'b');
    e.started_ns = 10;
    e.stopped_ns = stopped_ns;
    e.last_use_ns = stopped_ns;
    return e;
}

Entry declared_entry(const std::string &input) {
    Entry e;
    e.key_record = "fleche-key 1\nargv 3:cat\ninput " + std::to_string(input.size()) + ":" + input +
                   " file " + std::string(64, '4') + "\n";
    e.key = sha256_hex(e.key_record);
    e.name = "cat";
    e.command = "cat";
    e.log_blob = std::string(64, 'b');
    return e;
}

Keys with_input(Index &index, const std::string &path) {
    EntryFilter filter;
    filter.input = path;
    auto keys = query_keys(index, filter);
    std::sort(keys.begin(), keys.end());
    return keys;
}

int64_t path_rows(Index &index) {
    Statement count(index.database(), "SELECT count(*) FROM path_set_paths");
    REQUIRE(count.step());
    return count.integer(0);
}

Keys sorted(Keys keys) {
    std::sort(keys.begin(), keys.end());
    return keys;
}

} // namespace

TEST_CASE("query --input finds an entry by a traced path of any state, as keyed") {
    ScratchDir dir;
    Store store("store");
    LocalStorage storage(store);
    Entry traced = traced_entry(sample_set());
    Entry declared = declared_entry("in.txt");
    storage.put_entry(traced);
    storage.put_entry(declared);
    Index &index = store.index();
    CHECK(with_input(index, "in.txt") == sorted({traced.key, declared.key}));
    for (const char *path : {"maybe.txt", "data", "inc", "/usr/include/stdio.h"}) {
        CAPTURE(path);
        CHECK(with_input(index, path) == Keys{traced.key});
    }
    // Whole paths only: neither a piece of one nor another spelling.
    for (const char *path : {"in", "stdio.h", "./in.txt", "/usr/include"}) {
        CAPTURE(path);
        CHECK(with_input(index, path).empty());
    }
    CHECK(path_rows(index) == 5);
    // Stored again under its key: still one row per path.
    storage.put_entry(traced);
    CHECK(path_rows(index) == 5);
}

TEST_CASE("a traced entry's paths go with it: rm and gc") {
    ScratchDir dir;
    Store store("store");
    LocalStorage storage(store);
    Entry a = traced_entry(sample_set(), 20);
    PathSet other = sample_set();
    other.paths.pop_back(); // another path set of the same K1: another K2
    Entry b = traced_entry(other, 30);
    REQUIRE(a.key != b.key);
    storage.put_entry(a);
    storage.put_entry(b);
    Index &index = store.index();
    CHECK(with_input(index, "in.txt") == sorted({a.key, b.key}));
    remove_entry(store, a.key);
    CHECK(with_input(index, "in.txt") == Keys{b.key});
    CHECK(with_input(index, "maybe.txt").empty()); // only a had it
    CHECK(path_rows(index) == 4);
    CHECK(index.remove_unused({{b.key, 30}}) == Keys{b.key});
    CHECK(with_input(index, "in.txt").empty());
    CHECK(path_rows(index) == 0);
}

TEST_CASE("a rebuilt index has the paths of the traced entries again") {
    ScratchDir dir;
    Entry traced = traced_entry(sample_set());
    {
        Store store("store");
        LocalStorage(store).put_entry(traced);
        store.index();
    }
    for (const char *suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(std::string("store/index.sqlite") + suffix);
    Store store("store");
    CHECK(with_input(store.index(), "maybe.txt") == Keys{traced.key});
    CHECK(path_rows(store.index()) == 5);
}

TEST_CASE("an index of version 2: migrated in place, unless it holds traced entries") {
    ScratchDir dir;
    auto make_version_2 = [] {
        Database db("store/index.sqlite", false);
        db.exec("DROP TABLE path_set_paths");
        db.exec("PRAGMA user_version = 2");
    };
    Entry declared = declared_entry("in.txt");
    SUBCASE("without traced entries the table starts empty, and the rows stay") {
        {
            Store store("store");
            LocalStorage(store).put_entry(declared);
        }
        make_version_2();
        CHECK_NOTHROW(Index("store/index.sqlite"));
        Store store("store");
        CHECK(with_input(store.index(), "in.txt") == Keys{declared.key});
        CHECK(store.index().find(declared.key).has_value());
    }
    SUBCASE("with traced entries it is damaged, and rebuilt from the entry files") {
        Entry traced = traced_entry(sample_set());
        {
            Store store("store");
            LocalStorage storage(store);
            storage.put_entry(declared);
            storage.put_entry(traced);
        }
        make_version_2();
        CHECK_THROWS_WITH_AS(Index("store/index.sqlite"),
                             doctest::Contains("lacks the paths of the traced entries"),
                             IndexDamaged);
        Store store("store");
        CHECK(with_input(store.index(), "maybe.txt") == Keys{traced.key});
        CHECK(with_input(store.index(), "in.txt") == sorted({traced.key, declared.key}));
    }
}
