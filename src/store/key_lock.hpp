// The per-key lock (flock on locks/<key>): an identical invocation started
// while CMD runs waits here, then finds the stored entry and replays it.
// flock locks vanish with the process holding them, so a killed fleche never
// leaves a lock that blocks the next run.
//
// The lock file also tells a waiter how the run it waited for ended: a holder
// that runs CMD empties it first and writes "finished" when CMD has ended and
// the result is stored or refused. A waiter that then finds nothing it can
// replay knows that another run under the lock would most likely store
// nothing either; a file without the mark means the holder died (or gc
// removed the file), and the waiter runs as the holder would have.
//
// Lock file format (version 1): empty, or the mark "finished\n". Any other
// content reads as "not finished", so a change of the mark only makes a
// waiter of another version run CMD itself.
#pragma once

#include "util/fd.hpp"

#include <functional>
#include <optional>
#include <string>

namespace fleche::store {

inline constexpr int lock_mark_format_version = 1;

class KeyLock {
  public:
    // Blocks until the lock is held; after `notice_ms` of waiting calls
    // `on_wait` once (to tell the user why nothing happens). Throws Error.
    KeyLock(const std::string &path, int notice_ms, const std::function<void()> &on_wait);
    // Released on destruction.

    // The lock if it is free now, nullopt when another process holds it.
    // Throws Error.
    static std::optional<KeyLock> try_lock(const std::string &path);

    // Whether another process held the lock when we asked for it.
    bool waited() const { return waited_; }

    // The marks of the holder's run (best effort: a mark that cannot be
    // written only makes the next waiter run as a holder would).
    void run_started();
    void run_finished();
    // Whether the last holder's run finished (see above).
    bool last_run_finished() const;

  private:
    explicit KeyLock(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
    bool waited_ = false;
};

} // namespace fleche::store
