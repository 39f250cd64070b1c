#include "store/index.hpp"

#include "store/counters.hpp"
#include "util/error.hpp"

#include <chrono>
#include <sqlite3.h>
#include <thread>

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

} // namespace

Index::Index(const std::string &path) : db_(path, true) {
    set_up_connection(db_);
    prepare_schema();
}

Index::Index(const std::string &path, ReadOnly) : db_(path, ReadOnly{}) {
    set_up_connection(db_);
    if (int version = user_version(db_); version != index_schema_version)
        throw Error("the index '" + path + "' has schema version " + std::to_string(version) +
                    ", not " + std::to_string(index_schema_version) + "; it cannot be read");
}

void Index::prepare_schema() {
    int version = user_version(db_); // fails on a file that is not a database
    if (version == index_schema_version) {
        db_.exec("PRAGMA synchronous = NORMAL");
        return;
    }
    if (version > index_schema_version)
        throw Error("the index '" + db_.path() + "' has schema version " + std::to_string(version) +
                    ", newer than this fleche understands (" +
                    std::to_string(index_schema_version) +
                    "); use a newer fleche or set FLECHE_DIR to another store");
    enable_wal(db_);
    db_.exec("PRAGMA synchronous = NORMAL");
    Transaction transaction(db_);
    version = user_version(db_); // another process may have created it meanwhile
    if (version == 0) {
        db_.exec(schema_v1);
        version = 1;
    }
    if (version == 1) {
        db_.exec(schema_v2);
        db_.exec("PRAGMA user_version = 2");
    } else if (version != index_schema_version) {
        throw Error("the index '" + db_.path() + "' has an unknown schema version " +
                    std::to_string(version));
    }
    transaction.commit();
}

std::optional<Entry> Index::find(const std::string &key) {
    Statement query(db_, "SELECT key_record, name, command, exit_code, log_blob, log_size, "
                         "outputs_size, started_ns, stopped_ns, user_ns, system_ns, max_rss_kb, "
                         "host, user, cwd, fleche_version, hits, last_use_ns "
                         "FROM entries WHERE key = ?");
    query.bind(1, key);
    if (!query.step())
        return std::nullopt;
    Entry e;
    e.key = key;
    e.key_record = query.text(0);
    e.name = query.text(1);
    e.command = query.text(2);
    e.exit_code = static_cast<int>(query.integer(3));
    e.log_blob = query.text(4);
    e.log_size = static_cast<uint64_t>(query.integer(5));
    e.outputs_size = static_cast<uint64_t>(query.integer(6));
    e.started_ns = query.integer(7);
    e.stopped_ns = query.integer(8);
    e.user_ns = query.integer(9);
    e.system_ns = query.integer(10);
    e.max_rss_kb = query.integer(11);
    e.host = query.text(12);
    e.user = query.text(13);
    e.cwd = query.text(14);
    e.fleche_version = query.text(15);
    e.hits = query.integer(16);
    e.last_use_ns = query.integer(17);
    // Outputs are declared, and so in the key record: without one there is
    // nothing to look up (a third of a hit's SQLite work, callgrind).
    if (e.key_record.find("\noutput ") == std::string::npos)
        return e;

    Statement outputs(db_, "SELECT path, type, executable, blob, target, size, mode FROM outputs "
                           "WHERE key = ? ORDER BY path");
    outputs.bind(1, key);
    while (outputs.step()) {
        OutputRecord o;
        o.path = outputs.text(0);
        o.type = static_cast<OutputType>(outputs.integer(1));
        o.executable = outputs.integer(2) != 0;
        o.blob = outputs.text(3);
        o.target = outputs.text(4);
        o.size = static_cast<uint64_t>(outputs.integer(5));
        if (!outputs.is_null(6))
            o.mode = static_cast<uint32_t>(outputs.integer(6));
        e.outputs.push_back(std::move(o));
    }
    return e;
}

void Index::put(const Entry &e) {
    Transaction transaction(db_);
    Statement clear(db_, "DELETE FROM outputs WHERE key = ?");
    clear.bind(1, e.key).run();
    Statement insert(db_, "INSERT OR REPLACE INTO entries(key, key_record, name, command, "
                          "exit_code, log_blob, log_size, outputs_size, started_ns, stopped_ns, "
                          "user_ns, system_ns, max_rss_kb, host, user, cwd, fleche_version, hits, "
                          "last_use_ns) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    insert.bind(1, e.key).bind(2, e.key_record).bind(3, e.name).bind(4, e.command);
    insert.bind(5, int64_t(e.exit_code)).bind(6, e.log_blob).bind(7, int64_t(e.log_size));
    insert.bind(8, int64_t(e.outputs_size)).bind(9, e.started_ns).bind(10, e.stopped_ns);
    insert.bind(11, e.user_ns).bind(12, e.system_ns).bind(13, e.max_rss_kb);
    insert.bind(14, e.host).bind(15, e.user).bind(16, e.cwd).bind(17, e.fleche_version);
    insert.bind(18, e.hits).bind(19, e.last_use_ns);
    insert.run();
    Statement output(db_, "INSERT INTO outputs(key, path, type, executable, blob, target, size, "
                          "mode) VALUES(?,?,?,?,?,?,?,?)");
    for (const auto &o : e.outputs) {
        output.bind(1, e.key).bind(2, o.path).bind(3, int64_t(o.type));
        output.bind(4, int64_t(o.executable ? 1 : 0));
        if (o.type == OutputType::file)
            output.bind(5, o.blob);
        else
            output.bind_null(5);
        output.bind(6, o.target).bind(7, int64_t(o.size));
        if (o.mode)
            output.bind(8, int64_t(*o.mode));
        else
            output.bind_null(8);
        output.run();
    }
    write_tags(db_, e.key, e.tags);
    bump_counters(db_, e.name, e.key, {.misses = 1, .stored = 1});
    transaction.commit();
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

void Index::erase(const std::string &key) {
    db_.cached("DELETE FROM outputs WHERE key = ?").bind(1, key).run();
    db_.cached("DELETE FROM entries WHERE key = ?").bind(1, key).run();
    db_.cached("DELETE FROM tags WHERE key = ?").bind(1, key).run();
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

std::vector<std::string>
Index::remove_unused(const std::vector<std::pair<std::string, int64_t>> &entries) {
    std::vector<std::string> removed;
    Transaction transaction(db_);
    Statement last_use(db_, "SELECT last_use_ns FROM entries WHERE key = ?");
    for (const auto &[key, seen_last_use] : entries) {
        last_use.bind(1, key);
        bool unchanged = last_use.step() && last_use.integer(0) == seen_last_use;
        last_use.reset();
        if (unchanged) {
            erase(key);
            removed.push_back(key);
        }
    }
    transaction.commit();
    return removed;
}

} // namespace fleche::store
