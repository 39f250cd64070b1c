#include "scratch_dir.hpp"
#include "store/counters.hpp"
#include "store/index_open.hpp"
#include "store/index_rebuild.hpp"
#include "store/layout.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace fleche;
using namespace fleche::store;
namespace fs = std::filesystem;

namespace {

// An entry as a store holds it: `n` varies the key, outputs and tags.
Entry stored_entry(int n) {
    Entry e;
    e.key = std::string(63, 'a') + char('0' + n % 10) + std::to_string(n);
    e.key_record = "fleche-key 1\nargv 4:true\n";
    e.name = n % 2 ? "odd" : "even";
    e.command = "true " + std::to_string(n);
    e.exit_code = n % 3;
    e.log_blob = std::string(64, 'b');
    e.log_size = 10 + n;
    e.started_ns = 1000 * n;
    e.stopped_ns = 1000 * n + 500;
    e.host = "h";
    e.user = "u";
    e.cwd = "/w";
    e.fleche_version = "0.1";
    if (n % 2 == 0) {
        e.key_record += "output 3:out\n";
        e.outputs = {{"out", OutputType::directory, false, "", "", 0, 0755},
                     {"out/f", OutputType::file, n % 4 == 0, std::string(64, 'c'), "", 3, 0644},
                     {"out/l", OutputType::symlink, false, "", "f", 0, std::nullopt}};
    }
    if (n % 3 == 0)
        e.tags = {{"branch", "main"}, {"n", std::to_string(n)}};
    return e;
}

// What the rebuild keeps of an entry: all but its hits and last use.
Entry as_rebuilt(Entry e) {
    e.hits = 0;
    e.last_use_ns = e.stopped_ns;
    return e;
}

// Index::find with the tags, which find leaves out.
Entry found(Index &index, const std::string &key) {
    auto e = index.find(key);
    REQUIRE(e.has_value());
    e->tags = read_tags(index, key);
    return *e;
}

void check_same(const Entry &a, const Entry &b) {
    CHECK(a.key == b.key);
    CHECK(a.key_record == b.key_record);
    CHECK(a.name == b.name);
    CHECK(a.command == b.command);
    CHECK(a.exit_code == b.exit_code);
    CHECK(a.log_blob == b.log_blob);
    CHECK(a.log_size == b.log_size);
    CHECK(a.started_ns == b.started_ns);
    CHECK(a.stopped_ns == b.stopped_ns);
    CHECK(a.hits == b.hits);
    CHECK(a.last_use_ns == b.last_use_ns);
    CHECK(a.outputs == b.outputs);
    CHECK(a.tags == b.tags);
}

// Entry files stood in for by a map: what the entry helper's EntryFiles
// does on disk, the callbacks do here.
struct FakeEntries {
    std::map<std::string, Entry> entries;
    EntrySource source() {
        return {[this](const EntryVisitor &visit) {
                    for (const auto &[key, e] : entries)
                        visit(e);
                },
                [this](const Entry &e) { entries[e.key] = e; }};
    }
};

size_t entry_count(Index &index) {
    Statement count(index.database(), "SELECT count(*) FROM entries");
    count.step();
    return static_cast<size_t>(count.integer(0));
}

std::vector<std::string> moved_aside(const fs::path &dir) {
    std::vector<std::string> names;
    for (const auto &file : fs::directory_iterator(dir))
        if (file.path().filename().string().starts_with("index.sqlite.damaged-"))
            names.push_back(file.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

void make_store_dirs(const std::string &dir) {
    make_directories(dir + "/tmp");
    make_directories(dir + "/locks");
}

} // namespace

TEST_CASE("a rebuild inserts every entry with its outputs and tags, and no hits") {
    ScratchDir dir;
    Index index("index.sqlite");
    const int count = 12000; // more than one transaction
    size_t inserted = rebuild_index(index, [&](const EntryVisitor &visit) {
        for (int n = 0; n < count; ++n) {
            Entry e = stored_entry(n);
            e.hits = 7; // what an entry file does not know must not survive
            e.last_use_ns = 1;
            visit(e);
        }
    });
    CHECK(inserted == count);
    CHECK(entry_count(index) == count);
    for (int n : {0, 1, 3, 6, 4001, count - 1})
        check_same(found(index, stored_entry(n).key), as_rebuilt(stored_entry(n)));
    // Counters start from zero: a rebuild is neither a miss nor a store.
    auto total = read_counters(index, false);
    REQUIRE(total.size() == 1);
    CHECK(total[0].stored == 0);
    CHECK(total[0].misses == 0);
}

TEST_CASE("the migration reads every entry with its outputs and tags, in key order") {
    ScratchDir dir;
    Index index("index.sqlite");
    for (int n = 0; n < 40; ++n)
        index.put(stored_entry(n));
    // Rows of a key without an entry must not be given to the next entry.
    index.database().exec("INSERT INTO tags VALUES('0', 'stray', 'x')");
    index.database().exec("INSERT INTO outputs VALUES('0', 'p', 1, 0, 'b', '', 1, NULL)");
    std::vector<Entry> written;
    Migration migration =
        migrate_index_to_entries(index, [&](const Entry &e) { written.push_back(e); });
    CHECK(migration.written == 40);
    CHECK(migration.failed == 0);
    REQUIRE(written.size() == 40);
    CHECK(std::is_sorted(written.begin(), written.end(),
                         [](const Entry &a, const Entry &b) { return a.key < b.key; }));
    for (const auto &e : written)
        check_same(e, found(index, e.key));

    SUBCASE("and what it wrote rebuilds the same index") {
        Index rebuilt("rebuilt.sqlite");
        rebuild_index(rebuilt, [&](const EntryVisitor &visit) {
            for (const auto &e : written)
                visit(e);
        });
        for (const auto &e : written)
            check_same(found(rebuilt, e.key), as_rebuilt(found(index, e.key)));
    }
    SUBCASE("an entry that cannot be written is skipped, the others are written") {
        size_t calls = 0;
        Migration failing = migrate_index_to_entries(index, [&](const Entry &) {
            if (++calls == 3)
                throw Error("disk full");
        });
        CHECK(failing.written == 39);
        CHECK(failing.failed == 1);
        CHECK(failing.first_error == "disk full");
    }
}

TEST_CASE("open_index moves a damaged index aside and rebuilds it from the entries") {
    ScratchDir dir;
    std::string store = dir.path().string();
    make_store_dirs(store);
    FakeEntries files;
    for (int n = 0; n < 5; ++n)
        files.entries[stored_entry(n).key] = stored_entry(n);
    write_layout_version(store);
    std::string garbage = "this is not a database" + std::string(5000, 'x');

    SUBCASE("not a database") {
        dir.write("index.sqlite", garbage);
        dir.write("index.sqlite-wal", "w");
    }
    SUBCASE("a newer schema") {
        { Index index("index.sqlite"); }
        Database("index.sqlite", false).exec("PRAGMA user_version = 99");
    }
    SUBCASE("a table missing") {
        { Index index("index.sqlite"); }
        Database("index.sqlite", false).exec("DROP TABLE outputs");
    }
    auto index = open_index(store, files.source());
    CHECK(entry_count(*index) == 5);
    check_same(found(*index, stored_entry(2).key), as_rebuilt(stored_entry(2)));
    auto aside = moved_aside(dir.path());
    REQUIRE_FALSE(aside.empty());
    CHECK(aside[0].size() == std::string("index.sqlite.damaged-20261202T040211Z").size());
    CHECK_FALSE(fs::exists(dir.path() / "tmp/index.sqlite.rebuild"));
    index.reset();
    // Sound now: the next open moves nothing.
    index = open_index(store, files.source());
    CHECK(moved_aside(dir.path()) == aside);
    CHECK(entry_count(*index) == 5);
}

TEST_CASE("only the latest damaged index is kept aside, with its -wal") {
    ScratchDir dir;
    std::string store = dir.path().string();
    make_store_dirs(store);
    dir.write("index.sqlite.damaged-20000101T000000Z", "old");
    dir.write("index.sqlite.damaged-20000101T000000Z-wal", "old");
    dir.write("index.sqlite", std::string(4096, 'g'));
    dir.write("index.sqlite-wal", "wal of the damaged one");
    auto index = open_index(store, {});
    auto aside = moved_aside(dir.path());
    REQUIRE(aside.size() >= 2); // and the -shm that opening it may have made
    CHECK(aside[0].find("20000101") == std::string::npos);
    REQUIRE(std::count(aside.begin(), aside.end(), aside[0] + "-wal") == 1);
    std::ifstream in(dir.path() / (aside[0] + "-wal"));
    std::stringstream wal;
    wal << in.rdbuf();
    CHECK(wal.str() == "wal of the damaged one");
    CHECK(entry_count(*index) == 0);
}

TEST_CASE("a missing index of a current store is rebuilt; a new store starts empty") {
    ScratchDir dir;
    std::string store = dir.path().string();
    make_store_dirs(store);
    FakeEntries files;
    auto index = open_index(store, files.source());
    CHECK(read_layout_version(store) == store_layout_version);
    index->put(stored_entry(1));
    files.entries[stored_entry(1).key] = stored_entry(1);
    index.reset();
    fs::remove(dir.path() / "index.sqlite");
    fs::remove(dir.path() / "index.sqlite-wal");
    fs::remove(dir.path() / "index.sqlite-shm");
    index = open_index(store, files.source());
    CHECK(entry_count(*index) == 1);
    CHECK(moved_aside(dir.path()).empty());
}

TEST_CASE("a 0.1 store is migrated to entry files once") {
    ScratchDir dir;
    std::string store = dir.path().string();
    make_store_dirs(store);
    {
        Index old("index.sqlite"); // a 0.1 store: an index, no layout file
        for (int n = 0; n < 7; ++n)
            old.put(stored_entry(n));
    }
    FakeEntries files;
    auto index = open_index(store, files.source());
    REQUIRE(files.entries.size() == 7);
    check_same(files.entries.begin()->second, found(*index, files.entries.begin()->first));
    CHECK(read_layout_version(store) == store_layout_version);
    index.reset();
    files.entries.clear();
    index = open_index(store, files.source());
    CHECK(files.entries.empty()); // once
    CHECK(entry_count(*index) == 7);
}

TEST_CASE("a migration that fails leaves the store usable and is not retried") {
    ScratchDir dir;
    std::string store = dir.path().string();
    make_store_dirs(store);
    {
        Index old("index.sqlite");
        old.put(stored_entry(1));
    }
    EntrySource failing{{}, [](const Entry &) { throw Error("disk full"); }};
    auto index = open_index(store, failing);
    CHECK(entry_count(*index) == 1);
    CHECK(read_layout_version(store) == store_layout_version);
}

TEST_CASE("a store of a newer layout is refused untouched") {
    ScratchDir dir;
    std::string store = dir.path().string();
    make_store_dirs(store);
    dir.write("format", "fleche-store-layout 3\n");
    CHECK_THROWS_WITH_AS(open_index(store, {}), doctest::Contains("newer"), Error);
    CHECK_FALSE(fs::exists(dir.path() / "index.sqlite"));
    dir.write("format", "garbage");
    CHECK_FALSE(read_layout_version(store).has_value());
}
