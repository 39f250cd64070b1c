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
// Points, in the order a run reaches them; each is a distinct state on disk.
// A new store: store-directory-made (after each directory fleche makes in
// the store, shards included), store-directory-created and
// store-file-created (a shared store's new directory or file, made with the
// user's umask, before it gets the store's mode), index-lock-taken (locks/index held, nothing
// done under it), index-leftover-removed (a killed rebuild's files removed),
// index-file-shared (a shared store's new index file, empty, before SQLite
// writes it), index-wal-enabled (a new index in WAL mode, without tables),
// index-created (a new empty index, no layout file yet), format-temp (the
// layout file's temporary file in tmp/ is empty), format-written (it is
// written, not yet renamed), format-renamed (the layout file is in place),
// index-lock-released (locks/index removed, the index ready).
// Before CMD runs: key-lock-opened (a run's key lock file is open, not yet
// locked), run-started (the mark of a run that finished cleared),
// stat-cache-temp-opened (a new stat cache's temporary file, empty),
// stat-cache-temp (a new stat cache, sized and with its header, is in tmp/),
// stat-cache-created (renamed into place, no slot written), stat-cache-begin
// (an existing stat cache file locked, nothing written), stat-cache-slot (a slot
// half written), stat-cache-commit (every slot written, still locked).
// Storing: log-chunk (the log's recorder, usually on its own thread, is
// about to encode a piece of CMD's output), storing-shared (locks/storing
// held shared), blob-temp-created (a blob's temporary file in tmp/ is empty),
// blob-header-written (a small blob's header is written, not its data),
// blob-streaming (a large blob's header is written with size 0, no data),
// blob-chunk-written (part of its data is written), blob-stream-ended (all
// of it, the header still says size 0), blob-written (a blob's data is
// written, not yet committed), blob-rename (before its rename into objects/,
// its shard made: commit_store_file), blob-renamed (after it), entry-temp-created (an entry
// file's temporary file is empty), entry-written (written), entry-rename
// (before its rename into entries/, its shard made), entry-renamed (after
// it), entry-stored (the entry file is in place, the index not yet written),
// index-begin (before a transaction of the index), index-commit (inside it,
// before COMMIT), stored (after the entry's), index-checkpointed (the storing
// run's checkpoint of the index done, its WAL emptied), storing-counted (the storing
// lock's count grown, still held), run-finished (the key lock's mark says
// finished).
// A hit: restore-dir-cleared (a directory at a file output's path removed),
// restore-tree-removed (a declared directory that existed removed whole),
// tree-child-removed (after each file or directory removed from a tree that
// a restore replaces), beneath-directory-made (a missing parent directory of
// an output made, one component at a time),
// restore-dir-made (after each directory made, still private),
// restore-symlinked (after each link renamed into place), restore-written (a
// restored file is written and checked, still unnamed: see output_files.hpp),
// restore-linked (after each file is in place), restore-mode-set (after each
// directory's mode), hit-log-locked (hits.log open and locked, nothing
// written), hit-logged (the hit's line appended). A stale entry's background
// refresh: lock-opened (KeyLock::try_lock has opened the lock file, not yet
// locked it). A damaged entry file: counters-bumped (its error counted);
// stats --zero: counters-reset.
// Folding hits.log (a storing run, gc, stats): hit-log-taken (renamed to a
// name of the folder's own), hit-log-read (read and removed, the index not
// yet written), hit-log-folded (its hits committed to the index); gc:
// hit-log-leftover-taken (the log a killed fold had taken away read and
// removed, its hits not yet in the index).
// Repairing the index (index_open.hpp): index-aside-removed (the sets moved
// aside before are deleted), index-wal-moved (the damaged -wal is aside, the
// -shm not yet), index-wal-aside (the damaged -wal and -shm are
// aside, the index itself not yet), index-moved-aside (all of it is aside,
// the new one not in place yet), rebuild-begin and rebuild-commit (each
// transaction of the rebuild), rebuild-committed (all of it committed, in
// the new index's WAL), index-rebuild-checkpointed (the new index is
// complete, its -wal not yet removed), index-rebuilt (removed, the new index
// not yet renamed), index-replaced (renamed into place). Migrating a 0.1
// store: store-entries-made (its entries/ made, nothing migrated yet),
// migrate-entry (before each entry file written), migrate-written
// (after each), migrate-layout (all written, no layout file yet).
// A traced run: path-sets-begin (its entry stored under K2 and indexed, K1's
// list not yet read), path-sets-rename (the new list written, its shard
// made, not yet renamed into place).
// The remote cache: remote-down-rename (a cooldown stamp written, not yet
// renamed into place).
// rm: rm-entry-removed (rm or a repair has removed an entry file, not yet its
// index rows), rm-index-removed (after both). verify --repair: repair-entry
// (before removing a broken entry), repair-blob-removed (after each damaged
// blob removed), repair-orphans (the referenced blobs listed, before removing unreferenced
// ones), repair-orphan-removed (after each).
// gc: gc-usage-created (gc.usage made, saying unmeasured), gc-temp-removed
// and gc-lock-removed (after each stale temp or lock file the sweep removes),
// gc-checkpointed (gc without --max-size checkpointed the index),
// barrier-reset (the storing lock's count set to zero),
// gc-measured (the store's files measured), gc-evict (before the chosen
// entries' rows and files are removed), gc-rows-removed (their rows gone,
// every file still there), gc-entry-file-removed (after the
// entry files, removed a few at once, their rows gone), gc-evicted (after all of them),
// gc-blob-removed (after each unreferenced blob), gc-shard-removed (after
// each shard directory it emptied), gc-compact (before compacting the
// index), gc-vacuumed (VACUUM done, not yet checkpointed), gc-compacted,
// gc-stat-cache-removed (the stat cache removed to meet --max-size),
// usage-line-written (gc.usage's new line written over the old one, not yet
// truncated to it), gc-usage-written (the measured usage written).
// auto-gc-stamped: a run that took the store over its limit stamped
// gc.stamp, the detached gc not yet started.
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
