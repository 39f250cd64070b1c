// The counters behind `fleche stats`: hits, misses, stored runs, errors and
// time saved, per entry name. Each name's counters are split over 16 rows
// (shards, chosen by the first hex digit of the key) so that concurrent runs
// of different commands do not all update one hot row; readers sum them.
// Counting is folded into the transaction that a hit or a store writes anyway.
#pragma once

#include "store/entry.hpp"
#include "store/sqlite.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fleche::store {

class Index;

struct Counters {
    std::string name; // empty in the grand total
    int64_t hits = 0, misses = 0, stored = 0, errors = 0, saved_ns = 0;
};

struct CounterDelta {
    int64_t hits = 0, misses = 0, stored = 0, errors = 0, saved_ns = 0;
};

// Adds `delta` to the counters of `name`. Call inside the caller's
// transaction when there is one.
void bump_counters(Database &db, const std::string &name, const std::string &key,
                   const CounterDelta &delta);

// bump_counters for a count that must never fail the caller: a store that
// cannot count still serves.
void try_bump_counters(Index &index, const std::string &name, const std::string &key,
                       const CounterDelta &delta) noexcept;

// The grand total (one row), or one row per name sorted by name.
std::vector<Counters> read_counters(Index &index, bool by_name);

void reset_counters(Index &index);

// What the remote cache did (remote/remote_cache.hpp), all processes
// together: `fleche stats` shows it.
struct RemoteCounters {
    int64_t hits = 0, misses = 0, errors = 0, timeouts = 0;
    int64_t bytes_down = 0, bytes_up = 0, uploads = 0;
    bool any() const {
        return hits || misses || errors || timeouts || bytes_down || bytes_up || uploads;
    }
};
// Adds `delta` to the shard of `key`; never fails the caller.
void try_bump_remote_counters(Index &index, const std::string &key,
                              const RemoteCounters &delta) noexcept;
RemoteCounters read_remote_counters(Index &index);

// Tags of an entry, sorted by name.
std::vector<Tag> read_tags(Index &index, const std::string &key);
// Replaces the tags of an entry (inside the caller's transaction).
void write_tags(Database &db, const std::string &key, const std::vector<Tag> &tags);

} // namespace fleche::store
