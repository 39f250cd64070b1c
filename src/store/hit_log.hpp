// Hits are appended to a small log (hits.log in the store) instead of being
// written to the index: a write transaction on every hit would grow the WAL,
// and every later process would pay to scan it when it opens the index. The
// log is folded into the index (hit counts, last use) by whoever writes the
// index anyway: a run that stores, gc, stats.
//
// Line format (version 2), one line per hit:
//   "h2 " KEY " " WHEN " " DURATION "\n"
// KEY is the 64 hex digits of the key, WHEN the time of the hit and DURATION
// what the hit took, both decimal nanoseconds. Each line carries the version
// (not a header): appends are unlocked O_APPEND writes, so there is no first
// writer to write a header, and a torn line damages only itself.
// Version 1 lines (the same fields without "h2 ", written by fleche 0.1) are
// still read. A line of any other version, or a torn one, is skipped at the
// fold: a lost hit is only a statistic, never a wrong replay.
#pragma once

#include "store/index.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleche::store {

inline constexpr int hit_log_format_version = 2;

struct LoggedHit {
    std::string key;
    int64_t when_ns = 0;
    int64_t duration_ns = 0;
};

// One line of the log, newline included.
std::string encode_hit(const LoggedHit &hit);
// One line without its newline; nullopt for a torn, foreign or newer line.
std::optional<LoggedHit> decode_hit(std::string_view line);

class HitLog {
  public:
    explicit HitLog(std::string store_dir) : dir_(std::move(store_dir)) {}

    // One O_APPEND write, no lock, no fsync. Returns false when the log could
    // not be written (a read-only store): the hit itself is unaffected.
    bool append(const std::string &key, int64_t when_ns, int64_t duration_ns) const;

    // Applies the logged hits to `index` in one transaction and empties the
    // log. Safe against concurrent appends and folds. Throws Error.
    void fold(Index &index) const;
    // Folds what a fold killed after taking the log away left (hits.log.PID
    // of a process that is gone), for gc. Throws Error.
    void fold_leftovers(Index &index) const;

    // Whether the log has grown enough that a hit should fold it.
    bool large() const;

  private:
    std::string dir_;
};

} // namespace fleche::store
