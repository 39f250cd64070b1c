#include "store/index.hpp"

#include "store/counters.hpp"
#include "store/index_columns.hpp"
#include "util/error.hpp"
#include "util/test_hook.hpp"

#include <chrono>
#include <sqlite3.h>
#include <thread>
#include <vector>

namespace fleche::store {

namespace {

const char *const schema_v1 = R"sql(
CREATE TABLE entries(
  key TEXT PRIMARY KEY NOT NULL,
  key_record TEXT NOT NULL,
  name TEXT NOT NULL,
  command TEXT NOT NULL,
  exit_code INTEGER NOT NULL,
  log_blob TEXT NOT NULL,
  log_size INTEGER NOT NULL,
  outputs_size INTEGER NOT NULL,
  started_ns INTEGER NOT NULL,
  stopped_ns INTEGER NOT NULL,
  user_ns INTEGER NOT NULL,
  system_ns INTEGER NOT NULL,
  max_rss_kb INTEGER NOT NULL,
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  cwd TEXT NOT NULL,
  fleche_version TEXT NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  last_use_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX entries_last_use ON entries(last_use_ns);
CREATE TABLE outputs(
  key TEXT NOT NULL,
  path TEXT NOT NULL,
  type INTEGER NOT NULL,
  executable INTEGER NOT NULL,
  blob TEXT,
  target TEXT,
  size INTEGER NOT NULL,
  PRIMARY KEY(key, path)
) WITHOUT ROWID;
CREATE INDEX outputs_blob ON outputs(blob);
CREATE TABLE stat_cache(
  path TEXT PRIMARY KEY NOT NULL,
  dev INTEGER NOT NULL,
  ino INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL,
  digest TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE tags(
  key TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(key, name)
) WITHOUT ROWID;
CREATE INDEX tags_name ON tags(name, value);
CREATE INDEX entries_name ON entries(name);
CREATE INDEX entries_started ON entries(started_ns);
CREATE TABLE counters(
  name TEXT NOT NULL,
  shard INTEGER NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  misses INTEGER NOT NULL DEFAULT 0,
  stored INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  saved_ns INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(name, shard)
) WITHOUT ROWID;
)sql";

// Version 2: the permission bits of outputs, restored exactly. NULL in rows
// of version 1, whose files are restored as before (0666 or 0777, less the umask).
const char *const schema_v2 = "ALTER TABLE outputs ADD COLUMN mode INTEGER";

// Version 3: the paths of traced entries' path sets, for query --input; and
// `query --name N` newest first reads the first rows of one name from the
// index (which ends with the key, the tie-breaker) instead of looking up and
// sorting every entry of the name: 80 ms in a store of 1M entries, a name of
// 1,000. entries_name is a prefix of it.
const char *const schema_v3 = R"sql(
CREATE TABLE path_set_paths(
  key TEXT NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY(key, path)
) WITHOUT ROWID;
CREATE INDEX path_set_paths_path ON path_set_paths(path);
CREATE INDEX IF NOT EXISTS entries_name_started ON entries(name, started_ns DESC);
DROP INDEX IF EXISTS entries_name;
)sql";

// Version 4: what the remote cache did (remote/remote_cache.hpp), for
// `fleche stats`, in 16 shards as the counters.
const char *const schema_v4 = R"sql(
CREATE TABLE IF NOT EXISTS remote_counters(
  shard INTEGER PRIMARY KEY NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  misses INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  timeouts INTEGER NOT NULL DEFAULT 0,
  bytes_down INTEGER NOT NULL DEFAULT 0,
  bytes_up INTEGER NOT NULL DEFAULT 0,
  uploads INTEGER NOT NULL DEFAULT 0
);
)sql";

// A version 2 index knows nothing of the paths of the traced entries it
// holds (stored by a fleche that traced before version 3): migrated in place
// it would answer query --input wrongly for them, so it is rebuilt from the
// entry files instead. Without any (every 0.1 store, which has no entry
// files to rebuild from), the new table starts empty and is complete.
bool holds_traced_entries(Database &db) {
    Statement query(db, "SELECT 1 FROM entries WHERE instr(key_record, ?) > 0 LIMIT 1");
    query.bind(1, std::string("\ntrace "));
    return query.step();
}

int user_version(Database &db) {
    Statement query(db, "PRAGMA user_version");
    query.step();
    return static_cast<int>(query.integer(0));
}

// Switching to WAL needs the database to itself, and SQLite reports a busy
// database at once instead of calling the busy handler: when several fleche
// processes create a store together, retry for a while.
void enable_wal(Database &db) {
    for (int attempt = 0;; ++attempt) {
        Statement pragma(db, "PRAGMA journal_mode = WAL");
        try {
            pragma.step();
            return;
        } catch (const Error &) {
            if (attempt >= 500 || (sqlite3_errcode(db.handle()) & 0xff) != SQLITE_BUSY)
                throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// Through the C API rather than PRAGMA statements: each statement costs a
// parse on every process, hits included.
void set_up_connection(Database &db) {
    sqlite3_busy_timeout(db.handle(), 30000);
    // The WAL persists between runs and is scanned by every open (see
    // sqlite.cpp); a storing run empties it (Index::checkpoint), and this
    // bounds it when many store at once.
    sqlite3_wal_autocheckpoint(db.handle(), 64);
}

// Runs `open`, turning what SQLite says of a file that is no database, or a
// damaged one, into IndexDamaged; other errors (busy, I/O, full) stay Error.
template <class F> void classified(const std::string &path, F open) {
    try {
        open();
    } catch (const DatabaseError &e) {
        if (e.code() == SQLITE_NOTADB || e.code() == SQLITE_CORRUPT)
            throw IndexDamaged("the index '" + path + "' is damaged (" + sqlite3_errstr(e.code()) +
                               ")");
        throw;
    }
}

std::string newer_version(const std::string &path, int version) {
    return "the index '" + path + "' has schema version " + std::to_string(version) +
           ", newer than this fleche understands (" + std::to_string(index_schema_version) + ")";
}

} // namespace

Index::Index(const std::string &path, bool create) : db_(path, create) {
    set_up_connection(db_);
    classified(path, [&] {
        prepare_schema();
        check_columns();
    });
}

Index::Index(const std::string &path, ReadOnly) : db_(path, ReadOnly{}) {
    set_up_connection(db_);
    classified(path, [&] {
        int version = user_version(db_);
        if (version > index_schema_version)
            throw IndexDamaged(newer_version(path, version));
        if (version != index_schema_version)
            throw Error("the index '" + path + "' has schema version " + std::to_string(version) +
                        ", not " + std::to_string(index_schema_version) +
                        "; it cannot be read without writing");
        check_columns();
    });
}

// Asks SQLite's schema for each column rather than preparing a statement
// that names them all: a third of the instructions of a hit, callgrind.
void Index::check_columns() {
    struct Table {
        const char *name;
        std::vector<std::string> columns;
    };
    static const std::vector<Table> tables = {
        {"entries", split_columns(entry_columns)},
        {"outputs", split_columns(output_columns)},
        {"tags", {"key", "name", "value"}},
        {"counters", {"name", "shard", "hits", "misses", "stored", "errors", "saved_ns"}},
        {"path_set_paths", split_columns(path_set_path_columns)},
        {"remote_counters", split_columns(remote_counter_columns)}};
    // The metadata comes from the connection's cached schema, which may
    // predate the tables that another process just created (a new store
    // opened by many at once): on a miss, a statement that reads the schema
    // reloads it, and the check is made again.
    for (int attempt = 0;; ++attempt) {
        std::string missing;
        for (const auto &table : tables)
            for (const auto &column : table.columns) {
                if (!missing.empty())
                    break;
                int rc =
                    sqlite3_table_column_metadata(db_.handle(), "main", table.name, column.c_str(),
                                                  nullptr, nullptr, nullptr, nullptr, nullptr);
                if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_ERROR)
                    db_.fail("cannot read the schema");
                if (rc != SQLITE_OK)
                    missing = std::string(table.name) + "." + column;
            }
        if (missing.empty())
            return;
        if (attempt > 0)
            throw IndexDamaged("the index '" + db_.path() + "' lacks tables or columns of schema " +
                               "version " + std::to_string(index_schema_version) + " (no " +
                               missing + ")");
        Statement reload(db_, "SELECT count(*) FROM sqlite_schema");
        reload.step();
    }
}

// No fsync of the index, ever: it is a cache of the entry files, which are
// the truth (index_open.hpp, index_rebuild.hpp). The sync setting only decides
// what survives an OS crash or a power loss: a killed process never corrupts
// a WAL database whatever the setting (its writes are in the page cache). An
// OS crash may lose the last transactions: their entry files are still there
// and still hit, and only query and stats miss them until a rebuild, as when
// the index refused a row (local_storage.cpp). Or, rarely, it leaves a
// damaged index, which the next open moves aside and rebuilds from the
// entries; what is lost then is hit counts and counters. NORMAL cost a
// miss 4 fdatasync (the WAL header, the store directory, the commit and the
// checkpoint): 1.4 ms of syscalls in strace, more on a busy disk.
void Index::prepare_schema() {
    int version = user_version(db_); // fails on a file that is not a database
    if (version == index_schema_version) {
        db_.exec("PRAGMA synchronous = OFF");
        return;
    }
    if (version > index_schema_version)
        throw IndexDamaged(newer_version(db_.path(), version));
    enable_wal(db_), test_hook("index-wal-enabled"); // a database without tables
    db_.exec("PRAGMA synchronous = OFF");
    Transaction transaction(db_);
    version = user_version(db_); // another process may have created it meanwhile
    if (version == 0) {
        db_.exec(schema_v1);
        version = 1;
    }
    if (version == 1) {
        db_.exec(schema_v2);
        version = 2;
    }
    if (version == 2) {
        if (holds_traced_entries(db_))
            throw IndexDamaged("the index '" + db_.path() + "' has schema version 2, which " +
                               "lacks the paths of the traced entries it holds");
        db_.exec(schema_v3);
        version = 3;
    }
    if (version == 3) {
        db_.exec(schema_v4);
        db_.exec("PRAGMA user_version = 4");
    } else if (version != index_schema_version) {
        throw IndexDamaged("the index '" + db_.path() + "' has an unknown schema version " +
                           std::to_string(version));
    }
    transaction.commit();
    // A migration can write much of the index into the WAL (a new index of
    // every entry), which every later open would scan.
    checkpoint();
}

std::optional<Entry> Index::find(const std::string &key) {
    static const std::string sql =
        std::string("SELECT ") + entry_columns + " FROM entries WHERE key = ?";
    Statement query(db_, sql.c_str());
    query.bind(1, key);
    if (!query.step())
        return std::nullopt;
    Entry e = read_entry(query);
    // Outputs are declared, and so in the key record, or found by a trace:
    // without either there is nothing to look up (a third of a hit's SQLite
    // work, callgrind).
    if (e.key_record.find("\noutput ") == std::string::npos &&
        e.key_record.find("\ntrace ") == std::string::npos)
        return e;

    static const std::string outputs_sql =
        std::string("SELECT ") + output_columns + " FROM outputs WHERE key = ? ORDER BY path";
    Statement outputs(db_, outputs_sql.c_str());
    outputs.bind(1, key);
    while (outputs.step())
        e.outputs.push_back(read_output(outputs));
    return e;
}

void Index::put(const Entry &e) {
    Transaction transaction(db_);
    insert(e);
    bump_counters(db_, e.name, e.key, {.misses = 1, .stored = 1});
    transaction.commit();
}

namespace {

const char *entry_insert_sql() {
    static const std::string sql = std::string("INSERT OR REPLACE INTO entries(") + entry_columns +
                                   ") VALUES(" + placeholders(entry_column_count) + ")";
    return sql.c_str();
}

const char *output_insert_sql() {
    static const std::string sql = std::string("INSERT INTO outputs(") + output_columns +
                                   ") VALUES(" + placeholders(output_column_count) + ")";
    return sql.c_str();
}

const char *const outputs_delete_sql = "DELETE FROM outputs WHERE key = ?";
const char *const path_set_paths_delete_sql = "DELETE FROM path_set_paths WHERE key = ?";
// A path in two path sets of one entry is one row.
const char *const path_set_path_insert_sql =
    "INSERT OR IGNORE INTO path_set_paths(key, path) VALUES(?, ?)";

} // namespace

void Index::prepare_put() {
    db_.cached(outputs_delete_sql);
    db_.cached(entry_insert_sql());
    db_.cached(output_insert_sql());
    db_.cached(path_set_paths_delete_sql);
    db_.cached(path_set_path_insert_sql);
}

void Index::insert(const Entry &e) {
    db_.cached(outputs_delete_sql).bind(1, e.key).run();
    Statement &row = db_.cached(entry_insert_sql());
    bind_entry(row, e);
    row.run();
    Statement &output = db_.cached(output_insert_sql());
    for (const auto &o : e.outputs) {
        bind_output(output, e.key, o);
        output.run();
    }
    write_tags(db_, e.key, e.tags);
    // A key's path sets never change (K2 is computed over them, and an
    // untraced key has none): an entry replaced under its key has the same
    // paths, and an untraced miss spends no statement here.
    if (e.path_sets.empty())
        return;
    db_.cached(path_set_paths_delete_sql).bind(1, e.key).run();
    Statement &path_row = db_.cached(path_set_path_insert_sql);
    for (const auto &set : e.path_sets)
        for (const auto &state : set.paths)
            path_row.bind(1, e.key).bind(2, state.path).run();
}

void Index::remove(const std::string &key) {
    Transaction transaction(db_);
    erase(key);
    transaction.commit();
}

void Index::checkpoint() noexcept {
    sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

void Index::prepare_for_scans() {
    db_.exec("PRAGMA cache_size = -65536");
    db_.exec("PRAGMA mmap_size = 1073741824");
}

namespace {

// Every table with rows of an entry, by its key: the one list to extend with
// a new such table (erase and remove_unused delete from each).
constexpr const char *keyed_tables[] = {"outputs", "entries", "tags", "path_set_paths"};

} // namespace

void Index::erase(const std::string &key) {
    static const auto deletes = [] {
        std::vector<std::string> sql;
        for (const char *table : keyed_tables)
            sql.push_back(std::string("DELETE FROM ") + table + " WHERE key = ?");
        return sql;
    }();
    for (const auto &sql : deletes)
        db_.cached(sql.c_str()).bind(1, key).run();
}

void Index::apply_hits(const std::string &key, int64_t count, int64_t last_ns,
                       int64_t duration_ns) {
    Statement entry(db_, "SELECT name, stopped_ns - started_ns FROM entries WHERE key = ?");
    entry.bind(1, key);
    if (!entry.step())
        return; // removed since: its hits no longer matter
    std::string name = entry.text(0);
    int64_t wall_ns = entry.integer(1);
    Statement update(db_, "UPDATE entries SET hits = hits + ?, last_use_ns = max(last_use_ns, ?) "
                          "WHERE key = ?");
    update.bind(1, count).bind(2, last_ns).bind(3, key).run();
    bump_counters(db_, name, key, {.hits = count, .saved_ns = count * wall_ns - duration_ns});
}

// The chosen entries go through a temporary table, so that each table is
// cleared of them by one statement rather than by one lookup and three
// deletions per entry.
std::vector<std::string>
Index::remove_unused(const std::vector<std::pair<std::string, int64_t>> &entries) {
    db_.exec("CREATE TEMP TABLE IF NOT EXISTS gc_chosen(key TEXT PRIMARY KEY NOT NULL, "
             "last_use_ns INTEGER NOT NULL) WITHOUT ROWID");
    Transaction transaction(db_);
    db_.exec("DELETE FROM temp.gc_chosen");
    {
        Statement insert(db_, "INSERT OR REPLACE INTO temp.gc_chosen VALUES(?, ?)");
        for (const auto &[key, seen_last_use] : entries)
            insert.bind(1, key).bind(2, seen_last_use).run();
    }
    // Used or stored again since gc looked (or already gone): kept.
    db_.exec("DELETE FROM temp.gc_chosen WHERE last_use_ns IS NOT (SELECT e.last_use_ns FROM "
             "main.entries e WHERE e.key = gc_chosen.key)");
    std::vector<std::string> removed;
    {
        Statement keys(db_, "SELECT key FROM temp.gc_chosen");
        while (keys.step())
            removed.push_back(keys.text(0));
    }
    for (const char *table : keyed_tables)
        db_.exec((std::string("DELETE FROM main.") + table +
                  " WHERE key IN (SELECT key FROM temp.gc_chosen)")
                     .c_str());
    db_.exec("DELETE FROM temp.gc_chosen");
    transaction.commit();
    return removed;
}

} // namespace fleche::store
