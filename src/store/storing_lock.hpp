// What keeps gc from deleting a blob that a run is about to reference.
//
// A run renames its blobs into objects/ before it writes the entry that names
// them, so for a moment a needed blob looks like an orphan. Instead of sparing
// every young orphan for a grace period, a storing run holds a shared flock on
// locks/storing from before its first blob is committed until its entry is in
// the index (StoringGuard), and gc deletes orphans only while it holds the
// exclusive side (StoringBarrier), in short batches so that a storing run
// never waits long. When a storing run releases the lock it appends one byte
// to the lock file: the file's size counts the runs that stored since gc last
// emptied it, and tells gc, cheaply and exactly, whether entries it has not
// seen may now reference its candidates (see gc.cpp sweep_orphans): it then
// reads the blobs of the entries last used since it started, which covers
// them because an entry stored under the guard is given its last use after
// the guard was taken (engine/record_run.cpp make_entry). A hit never takes
// this lock.
#pragma once

#include "store/store.hpp"
#include "util/fd.hpp"

#include <cstdint>
#include <string>

namespace fleche::store {

std::string storing_lock_path(const std::string &store_dir);

// The storing run's side: shared, for the lifetime of the object. Never
// throws: when the lock file cannot be opened or locked (a store we cannot
// write) the run stores unprotected, which is no worse than failing to store.
class StoringGuard {
  public:
    explicit StoringGuard(const Store &store) noexcept;
    ~StoringGuard();
    StoringGuard(const StoringGuard &) = delete;
    StoringGuard &operator=(const StoringGuard &) = delete;

  private:
    Fd fd_;
};

// gc's side: exclusive, taken and released around each batch of deletions.
class StoringBarrier {
  public:
    // Throws Error when the lock file cannot be opened.
    explicit StoringBarrier(const std::string &store_dir);
    // Waits for the storing runs in progress (never for CMD: a run takes the
    // shared side only after CMD has exited). Throws Error.
    void lock();
    // Without waiting: whether no run is storing.
    bool try_lock() noexcept;
    void unlock() noexcept;
    // Under the lock: storing runs finished since reset().
    uint64_t stored_since_reset() const;
    void reset();

  private:
    std::string path_;
    Fd fd_;
};

} // namespace fleche::store
