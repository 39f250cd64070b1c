// The SQLite index of entries (index.sqlite in the store), in WAL mode so that
// readers never wait for a writer.
//
// Schema version 1 (PRAGMA user_version):
//   entries(key PRIMARY KEY, key_record, name, command, exit_code, log_blob,
//           log_size, outputs_size, started_ns, stopped_ns, user_ns,
//           system_ns, max_rss_kb, host, user, cwd, fleche_version, hits,
//           last_use_ns)
//   outputs(key, path, type, executable, blob, target, size; PRIMARY KEY(key, path))
//   stat_cache(path PRIMARY KEY, dev, ino, size, mtime_ns, ctime_ns, digest)
// Times are nanoseconds since the epoch. An index with a newer version than
// index_schema_version is refused, never rewritten.
#pragma once

#include "store/entry.hpp"
#include "store/sqlite.hpp"

#include <optional>
#include <string>

namespace fleche::store {

inline constexpr int index_schema_version = 1;

class Index {
  public:
    // Opens or creates the index. Throws Error (unreadable, not a database,
    // newer schema).
    explicit Index(const std::string &path);
    // Opens an existing index of this schema version without writing. Throws Error.
    Index(const std::string &path, ReadOnly);

    std::optional<Entry> find(const std::string &key);
    // Inserts or replaces the entry and its outputs in one transaction.
    void put(const Entry &entry);
    void record_hit(const std::string &key, int64_t now_ns);
    void remove(const std::string &key);

    Database &database() { return db_; }

  private:
    void prepare_schema();
    Database db_;
};

} // namespace fleche::store
