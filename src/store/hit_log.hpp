// Hits are appended to a small log (hits.log in the store) instead of being
// written to the index: a write transaction on every hit would grow the WAL,
// and every later process would pay to scan it when it opens the index. The
// log is folded into the index (hit counts, last use) by whoever writes the
// index anyway: a run that stores, gc, stats.
//
// Line format (version 1): "<key> <time of the hit, ns> <duration of the hit, ns>\n"
#pragma once

#include "store/index.hpp"

#include <cstdint>
#include <string>

namespace fleche::store {

class HitLog {
  public:
    explicit HitLog(std::string store_dir) : dir_(std::move(store_dir)) {}

    // One O_APPEND write, no lock, no fsync. Returns false when the log could
    // not be written (a read-only store): the hit itself is unaffected.
    bool append(const std::string &key, int64_t when_ns, int64_t duration_ns) const;

    // Applies the logged hits to `index` in one transaction and empties the
    // log. Safe against concurrent appends and folds. Throws Error.
    void fold(Index &index) const;

    // Whether the log has grown enough that a hit should fold it.
    bool large() const;

  private:
    std::string dir_;
};

} // namespace fleche::store
