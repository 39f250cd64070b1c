// The SQLite index of entries (index.sqlite in the store), in WAL mode so that
// readers never wait for a writer.
//
// Schema version 3 (PRAGMA user_version; versions 1 and 2 are migrated in
// place, but a version 2 index holding traced entries is IndexDamaged, so
// rebuilt from the entry files: it lacks their paths):
//   entries(key PRIMARY KEY, key_record, name, command, exit_code, log_blob,
//           log_size, outputs_size, started_ns, stopped_ns, user_ns,
//           system_ns, max_rss_kb, host, user, cwd, fleche_version, hits,
//           last_use_ns)
//   outputs(key, path, type, executable, blob, target, size, mode;
//           PRIMARY KEY(key, path)), mode NULL in rows from version 1
//   stat_cache(path PRIMARY KEY, dev, ino, size, mtime_ns, ctime_ns, digest)
//   tags(key, name, value; PRIMARY KEY(key, name))
//   path_set_paths(key, path; PRIMARY KEY(key, path)), indexed by path: each
//           path of a traced entry's path sets, as keyed (key/path_set.hpp)
//   counters(name, shard, hits, misses, stored, errors, saved_ns;
//            PRIMARY KEY(name, shard)), see counters.hpp
// Indexes: entries(last_use_ns) for gc, entries(name, started_ns DESC) for
// query (version 3; entries(name) before), entries(started_ns),
// outputs(blob), tags(name, value).
// Times are nanoseconds since the epoch. The column lists are in
// index_columns.hpp. The index is derived from the entries: one that is not a
// database, is damaged, lacks a table or column of this schema, or has a newer
// version than index_schema_version is refused as IndexDamaged, never
// rewritten in place; open_index (index_open.hpp) moves it aside and rebuilds.
#pragma once

#include "store/entry.hpp"
#include "store/sqlite.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fleche::store {

inline constexpr int index_schema_version = 4;

// The file at the index's path is no index this fleche can use (see above):
// rebuilding it from the entries loses nothing but counters and hit counts.
class IndexDamaged : public Error {
  public:
    using Error::Error;
};

class Index {
  public:
    // Opens (creating it unless `create` is false) the index. Throws
    // IndexDamaged, or Error (unreadable, busy, disk full).
    explicit Index(const std::string &path, bool create = true);
    // Opens an existing index of this schema version without writing. Throws
    // IndexDamaged or Error.
    Index(const std::string &path, ReadOnly);

    std::optional<Entry> find(const std::string &key);
    // Inserts or replaces the entry and its outputs in one transaction.
    void put(const Entry &entry);
    // Inserts or replaces the rows of the entry (outputs and tags included),
    // counting nothing: inside the caller's transaction (the rebuild).
    void insert(const Entry &entry);
    // Applies `count` hits of an entry taken from the hit log (hit count, last
    // use, and the counters of its name with the time saved, `duration_ns`
    // being what the hits took in all). Call inside a transaction.
    void apply_hits(const std::string &key, int64_t count, int64_t last_ns, int64_t duration_ns);
    void remove(const std::string &key);
    // Removes each (key, last_use_ns) entry unless it was used or stored again
    // since that last use (gc decides on a snapshot), in one transaction.
    // Returns the keys removed.
    std::vector<std::string>
    remove_unused(const std::vector<std::pair<std::string, int64_t>> &entries);

    Database &database() { return db_; }

    // Prepares the statements that put() needs, ahead of it: a miss does it
    // while CMD runs (engine/record_run.cpp).
    void prepare_put();

    // For commands that read or change much of the index (gc, query, stats,
    // verify): a larger page cache and memory-mapped reads. Not on the hit
    // path, where the defaults are cheaper to set up.
    void prepare_for_scans();

    // Copies the WAL into the database and empties it, so that the next
    // processes to open the index have nothing to scan. Best effort: with
    // readers at work it does what it can.
    void checkpoint() noexcept;

  private:
    void prepare_schema();
    // Throws IndexDamaged unless every column of this schema is there.
    void check_columns();
    // Deletes the rows of `key` from every table keyed by it, inside the
    // caller's transaction: the one place to extend with a new such table.
    void erase(const std::string &key);
    Database db_;
};

} // namespace fleche::store
