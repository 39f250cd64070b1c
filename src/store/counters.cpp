#include "store/counters.hpp"

#include "store/index.hpp"
#include "util/test_hook.hpp"

namespace fleche::store {

namespace {

int64_t shard_of(const std::string &key) {
    if (key.empty())
        return 0;
    char c = key[0];
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

} // namespace

void bump_counters(Database &db, const std::string &name, const std::string &key,
                   const CounterDelta &d) {
    Statement upsert(db,
                     "INSERT INTO counters(name, shard, hits, misses, stored, errors, saved_ns) "
                     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name, shard) DO UPDATE SET "
                     "hits = hits + ?3, misses = misses + ?4, stored = stored + ?5, "
                     "errors = errors + ?6, saved_ns = saved_ns + ?7");
    upsert.bind(1, name).bind(2, shard_of(key)).bind(3, d.hits).bind(4, d.misses);
    upsert.bind(5, d.stored).bind(6, d.errors).bind(7, d.saved_ns);
    upsert.run();
}

void try_bump_counters(Index &index, const std::string &name, const std::string &key,
                       const CounterDelta &delta) noexcept {
    try {
        bump_counters(index.database(), name, key, delta);
        test_hook("counters-bumped");
    } catch (const std::exception &) {
    }
}

std::vector<Counters> read_counters(Index &index, bool by_name) {
    const char *sql = by_name
                          ? "SELECT name, sum(hits), sum(misses), sum(stored), sum(errors), "
                            "sum(saved_ns) FROM counters GROUP BY name ORDER BY name"
                          : "SELECT '', total(hits), total(misses), total(stored), total(errors), "
                            "total(saved_ns) FROM counters";
    Statement query(index.database(), sql);
    std::vector<Counters> rows;
    while (query.step())
        rows.push_back({query.text(0), query.integer(1), query.integer(2), query.integer(3),
                        query.integer(4), query.integer(5)});
    return rows;
}

void try_bump_remote_counters(Index &index, const std::string &key,
                              const RemoteCounters &d) noexcept {
    try {
        Statement upsert(index.database(),
                         "INSERT INTO remote_counters(shard, hits, misses, errors, timeouts, "
                         "bytes_down, bytes_up, uploads) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                         "ON CONFLICT(shard) DO UPDATE SET hits = hits + ?2, misses = misses + ?3, "
                         "errors = errors + ?4, timeouts = timeouts + ?5, "
                         "bytes_down = bytes_down + ?6, bytes_up = bytes_up + ?7, "
                         "uploads = uploads + ?8");
        upsert.bind(1, shard_of(key)).bind(2, d.hits).bind(3, d.misses).bind(4, d.errors);
        upsert.bind(5, d.timeouts).bind(6, d.bytes_down).bind(7, d.bytes_up).bind(8, d.uploads);
        upsert.run();
    } catch (const std::exception &) {
    }
}

RemoteCounters read_remote_counters(Index &index) {
    Statement query(index.database(),
                    "SELECT total(hits), total(misses), total(errors), total(timeouts), "
                    "total(bytes_down), total(bytes_up), total(uploads) FROM remote_counters");
    RemoteCounters c;
    if (query.step())
        c = {query.integer(0), query.integer(1), query.integer(2), query.integer(3),
             query.integer(4), query.integer(5), query.integer(6)};
    return c;
}

void reset_counters(Index &index) {
    index.database().exec("DELETE FROM counters");
    index.database().exec("DELETE FROM remote_counters");
    test_hook("counters-reset");
}

std::vector<Tag> read_tags(Index &index, const std::string &key) {
    Statement query(index.database(), "SELECT name, value FROM tags WHERE key = ? ORDER BY name");
    query.bind(1, key);
    std::vector<Tag> tags;
    while (query.step())
        tags.push_back({query.text(0), query.text(1)});
    return tags;
}

void write_tags(Database &db, const std::string &key, const std::vector<Tag> &tags) {
    // Cached: the rebuild writes the tags of every entry.
    db.cached("DELETE FROM tags WHERE key = ?").bind(1, key).run();
    Statement &insert = db.cached("INSERT OR REPLACE INTO tags(key, name, value) VALUES(?, ?, ?)");
    for (const auto &tag : tags)
        insert.bind(1, key).bind(2, tag.name).bind(3, tag.value).run();
}

} // namespace fleche::store
