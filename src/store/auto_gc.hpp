// Automatic gc: a run that stored an entry starts `fleche gc --auto` as a
// detached process when limits are set and no gc started in the last
// minute, so that the user's command never waits for a sweep. The gc.stamp
// file in the store remembers when the last automatic gc started and is the
// lock that keeps two of them from running at once.
#pragma once

#include "store/limits.hpp"
#include "store/store.hpp"
#include "util/fd.hpp"

namespace fleche::store {

inline constexpr int64_t auto_gc_interval_ns = 60 * 1000000000ll;

// Costs one stat() when a gc started less than a minute ago. Never throws:
// a gc that cannot start is retried after the next stored run.
void start_gc_if_due(const Store &store, const Limits &limits);

// The gc lock, taken without waiting; an empty Fd when another gc holds it.
Fd try_lock_gc(const Store &store);

} // namespace fleche::store
