// The per-key lock (flock on locks/<key>): an identical invocation started
// while CMD runs waits here, then finds the stored entry and replays it.
// flock locks vanish with the process holding them, so a killed fleche never
// leaves a lock that blocks the next run.
#pragma once

#include "util/fd.hpp"

#include <functional>
#include <string>

namespace fleche::store {

class KeyLock {
  public:
    // Blocks until the lock is held; after `notice_ms` of waiting calls
    // `on_wait` once (to tell the user why nothing happens). Throws Error.
    KeyLock(const std::string &path, int notice_ms, const std::function<void()> &on_wait);
    // Released on destruction.

  private:
    Fd fd_;
};

} // namespace fleche::store
