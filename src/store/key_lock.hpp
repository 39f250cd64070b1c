// The per-key lock (flock on locks/<key>): an identical invocation started
// while CMD runs waits here, then finds the stored entry and replays it.
// flock locks vanish with the process holding them, so a killed fleche never
// leaves a lock that blocks the next run.
#pragma once

#include "util/fd.hpp"

#include <functional>
#include <optional>
#include <string>

namespace fleche::store {

class KeyLock {
  public:
    // Blocks until the lock is held; after `notice_ms` of waiting calls
    // `on_wait` once (to tell the user why nothing happens). Throws Error.
    KeyLock(const std::string &path, int notice_ms, const std::function<void()> &on_wait);
    // Released on destruction.

    // The lock if it is free now, nullopt when another process holds it.
    // Throws Error.
    static std::optional<KeyLock> try_lock(const std::string &path);

  private:
    explicit KeyLock(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

} // namespace fleche::store
