// Test-only fault injection: the crash-safety tests stop or kill fleche at
// named points of storing an entry, then check what is left in the store;
// the lock tests stop it between opening and locking a lock file.
//
//   FLECHE_TEST_KILL_POINT=NAME[@N]  SIGKILL at the N-th (default 1st) time
//                                    the point NAME is reached
//   FLECHE_TEST_STOP_POINT=NAME[@N]  SIGSTOP there instead (the test then
//                                    does something and sends SIGCONT)
//   FLECHE_TEST_HOLD_POINT=NAME[@N]:FIFO  only the thread that reaches NAME
//                                    waits there, until the test opens FIFO
//                                    for writing (the others run on)
//
// Points: blob-written (a blob's data is written, not yet committed),
// blob-rename (before its rename into objects/), blob-renamed (after it),
// entry-written (an entry file's temp file is written), entry-rename (before
// its rename into entries/), entry-renamed (after it), entry-stored (the
// entry file is in place, the index not yet written),
// index-begin (before a transaction of the index), index-commit (inside it,
// before COMMIT), stored (after the entry's), stat-cache-begin (the stat
// cache file locked, nothing written), stat-cache-slot (a slot half written),
// stat-cache-commit (every slot written, still locked; all before CMD runs),
// lock-opened (KeyLock::try_lock has opened the lock file, not yet locked it),
// rebuild-begin and rebuild-commit (each transaction of an index rebuild),
// index-moved-aside and index-rebuilt (see index_open.hpp), migrate-entry
// (before each entry file written by the migration of a 0.1 store),
// log-chunk (the log's recorder, usually on its own thread, is about to
// encode a piece of CMD's output), restore-written (a hit has written and
// checked a restored file's temporary copy, not yet renamed it into place).
// rm-entry-removed (rm or a repair has removed an entry file, not yet its
// index rows), rm-index-removed (after both), repair-entry (verify --repair,
// before removing a broken entry), repair-orphans (verify --repair holds the
// storing lock, before removing unreferenced blobs), format-written (a new
// store's layout `format` file is written to tmp/, not yet renamed).
// gc: gc-measured (the store's files measured), gc-evict and gc-evicted
// (before and after the chosen entries' rows and files are removed),
// gc-blob-removed (after each unreferenced blob), gc-compact and
// gc-compacted (around compacting the index), gc-temp-removed and
// gc-lock-removed (after each stale temp or lock file the sweep removes).
// tests/cli/kill_points.txt lists the points test_kill_points.sh drives.
// Unset variables cost one getenv per point: on the store path, and once per
// file a hit restores.
//
//   FLECHE_TEST_RACY_NS=N            the stat cache's racy window is N ns
//                                    instead of 2 s, so that a test can have
//                                    files remembered without waiting 2 s
#pragma once

#include <cstdint>

namespace fleche {

void test_hook(const char *point);

// `normal`, unless FLECHE_TEST_RACY_NS says otherwise. Reads the variable
// once per process (a hit constructs a file hasher on its hot path).
int64_t test_racy_window_ns(int64_t normal);

} // namespace fleche
