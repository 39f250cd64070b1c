// Automatic gc: the run that stores an entry and so takes the store across a
// limit ([store] max_size or max_age) starts `fleche gc --auto` as a detached
// process, so that the user's command never waits for a sweep. Crossing is
// known cheaply from gc.usage (see usage_estimate.hpp): the run adds what it
// stored (the allocated size of its blobs, one stat each, plus
// entry_overhead_bytes) under a short flock and compares. An automatic gc
// trims the store to auto_gc_target of max_size, so that the next runs do not
// cross the limit again at once and start one gc each. The gc.stamp file in
// the store says when the last automatic gc started and is the lock that
// keeps two of them from running at once (a run that finds it held still
// spawns one, which exits at once).
#pragma once

#include "store/entry.hpp"
#include "store/limits.hpp"
#include "store/store.hpp"
#include "util/fd.hpp"

namespace fleche::store {

// What an entry adds besides its blobs: its entry file (one block) and its
// rows in the index, counted high.
inline constexpr uint64_t entry_overhead_bytes = 8192;
// Automatic gc evicts down to this fraction of max_size.
inline constexpr double auto_gc_target = 0.9;

// After `entry` was stored. Costs a few stat()s and one small locked
// read-write when limits are set, nothing otherwise. Never throws: a gc that
// cannot start is started by the next run over the limit.
void start_gc_if_due(const Store &store, const Entry &entry, const Limits &limits);

// The gc lock, taken without waiting; an empty Fd when another gc holds it.
Fd try_lock_gc(const Store &store);

// The gc lock, waiting for a gc that holds it. Throws Error.
Fd lock_gc(const Store &store);

// The limits an automatic gc trims to.
Limits auto_gc_limits(Limits configured);

} // namespace fleche::store
