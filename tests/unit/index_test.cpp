#include "scratch_dir.hpp"
#include "store/index.hpp"
#include "store/index_columns.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sqlite3.h>

using namespace fleche;
using namespace fleche::store;

namespace {

Entry sample(const std::string &key) {
    Entry e;
    e.key = key;
    e.key_record = "fleche-key 1\nargv 4:true\noutput 3:out\n";
    e.name = "true";
    e.command = "true";
    e.exit_code = 3;
    e.log_blob = std::string(64, 'b');
    e.log_size = 12;
    e.started_ns = 100;
    e.stopped_ns = 250;
    e.host = "h";
    e.user = "u";
    e.cwd = "/w";
    e.fleche_version = "0";
    e.last_use_ns = 250;
    e.outputs = {{"out", OutputType::directory, false, "", "", 0, 0700},
                 {"out/a", OutputType::file, true, std::string(64, 'c'), "", 7, 0750},
                 {"out/l", OutputType::symlink, false, "", "a", 0, std::nullopt}};
    return e;
}

} // namespace

TEST_CASE("entries round-trip through the index") {
    ScratchDir dir;
    Index index("index.sqlite");
    CHECK_FALSE(index.find("k").has_value());
    index.put(sample("k"));
    auto e = index.find("k");
    REQUIRE(e.has_value());
    CHECK(e->exit_code == 3);
    CHECK(e->wall_ns() == 150);
    CHECK(e->outputs == sample("k").outputs);
    // Replacing keeps one entry, with the new outputs only: a replacement
    // that kept or merged the old rows would leave out/a and out/l behind.
    Entry replacement = sample("k");
    replacement.exit_code = 0;
    replacement.outputs = {
        {"result.txt", OutputType::file, false, std::string(64, 'd'), "", 5, 0644}};
    index.put(replacement);
    auto replaced = index.find("k");
    REQUIRE(replaced.has_value());
    CHECK(replaced->exit_code == 0);
    CHECK(replaced->outputs == replacement.outputs);
    index.remove("k");
    CHECK_FALSE(index.find("k").has_value());
}

TEST_CASE("the index is in WAL mode with a versioned schema") {
    ScratchDir dir;
    { Index index("index.sqlite"); }
    Database db("index.sqlite", false);
    Statement mode(db, "PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
    Statement version(db, "PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.integer(0) == index_schema_version);
}

TEST_CASE("an index of version 1 gains the modes of outputs; its rows have none") {
    ScratchDir dir;
    {
        Index index("index.sqlite");
        index.put(sample("k"));
        Database db("index.sqlite", false);
        db.exec("ALTER TABLE outputs DROP COLUMN mode");
        db.exec("DROP TABLE path_set_paths");
        db.exec("PRAGMA user_version = 1");
    }
    Index index("index.sqlite");
    auto old = index.find("k");
    REQUIRE(old.has_value());
    REQUIRE(old->outputs.size() == 3);
    CHECK_FALSE(old->outputs[0].mode.has_value());
    index.put(sample("k2"));
    CHECK(index.find("k2")->outputs == sample("k2").outputs);
}

TEST_CASE("an index of version 2 gains the index of names by start time, and loses entries_name") {
    ScratchDir dir;
    {
        Index index("index.sqlite");
        index.put(sample("k"));
        Database db("index.sqlite", false);
        db.exec("DROP INDEX entries_name_started");
        db.exec("DROP TABLE path_set_paths");
        db.exec("CREATE INDEX entries_name ON entries(name)");
        db.exec("PRAGMA user_version = 2");
    }
    { Index index("index.sqlite"); }
    Database db("index.sqlite", false);
    Statement indexes(db, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema "
                          "WHERE type = 'index' AND tbl_name = 'entries' AND sql IS NOT NULL "
                          "ORDER BY name)");
    REQUIRE(indexes.step());
    CHECK(indexes.text(0) == "entries_last_use entries_name_started entries_started");
    Statement version(db, "PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.integer(0) == index_schema_version);
    Statement plan(db, "EXPLAIN QUERY PLAN SELECT key FROM entries WHERE name = 'x' "
                       "ORDER BY started_ns DESC, key LIMIT 10");
    std::string steps;
    while (plan.step())
        steps += plan.text(3) + "\n";
    CHECK(steps == "SEARCH entries USING COVERING INDEX entries_name_started (name=?)\n");
}

TEST_CASE("an index from a newer fleche, or not an index at all, is refused untouched") {
    ScratchDir dir;
    {
        Index index("index.sqlite");
        Database db("index.sqlite", false);
        db.exec("PRAGMA user_version = 99");
    }
    CHECK_THROWS_WITH_AS(Index("index.sqlite"), doctest::Contains("newer"), IndexDamaged);
    CHECK_THROWS_WITH_AS(Index("index.sqlite", ReadOnly{}), doctest::Contains("newer"),
                         IndexDamaged);
    dir.write("garbage.sqlite", std::string(4096, 'g'));
    CHECK_THROWS_WITH_AS(Index("garbage.sqlite"), doctest::Contains("file is not a database"),
                         IndexDamaged);
    CHECK_THROWS_AS(Index("garbage.sqlite", ReadOnly{}), IndexDamaged);
    CHECK(std::filesystem::file_size("garbage.sqlite") == 4096);
}

TEST_CASE("an index without a table or column of its schema is damaged") {
    ScratchDir dir;
    { Index index("index.sqlite"); }
    {
        Database db("index.sqlite", false);
        db.exec("DROP TABLE tags");
    }
    CHECK_THROWS_WITH_AS(Index("index.sqlite"), doctest::Contains("lacks tables or columns"),
                         IndexDamaged);
    { Index index("other.sqlite"); }
    {
        Database db("other.sqlite", false);
        db.exec("ALTER TABLE entries DROP COLUMN host");
    }
    CHECK_THROWS_AS(Index("other.sqlite", ReadOnly{}), IndexDamaged);
}

TEST_CASE("the column lists name every column of the schema, in its order") {
    ScratchDir dir;
    Index index("index.sqlite");
    auto columns_of = [&](const char *table) {
        std::string sql =
            std::string("SELECT group_concat(name, ', ') FROM pragma_table_info('") + table + "')";
        Statement query(index.database(), sql.c_str());
        REQUIRE(query.step());
        return query.text(0);
    };
    CHECK(columns_of("entries") == entry_columns);
    CHECK(columns_of("outputs") == output_columns);
    CHECK(placeholders(3) == "?,?,?");
    CHECK(split_columns(output_columns).size() == size_t(output_column_count));
    CHECK(split_columns(entry_columns).size() == size_t(entry_column_count));
}
