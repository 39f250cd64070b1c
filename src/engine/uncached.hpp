// Invocations that run uncached: what CMD would read is not in any key that
// fleche can compute without consuming it. run, has, explain and digest all
// ask uncached_reason() before anything is hashed, so they cannot disagree.
#pragma once

#include "key/invocation.hpp"

#include <optional>
#include <string>

namespace fleche::engine {

// Why `invocation` must run uncached (no lookup, nothing stored), or nullopt.
//  - A word of argv (ignored ones too: CMD sees them) that names a
//    descriptor — /dev/fd/N, /proc/self/fd/N, /proc/PID/fd/N, /dev/stdin —
//    stands for whatever the caller passed there: the pipe of <(...), the
//    file of 3<file. Its content is not in the key. fds 1 and 2 are CMD's
//    captured output and do not count; fd 0 counts unless --stdin hashes it.
//  - --stdin with fd 0 closed: there is nothing to hash, and CMD must meet
//    the closed fd that it would meet without fleche.
// Cheap on a hit: a substring search of each word, and a syscall only for a
// word that names a descriptor.
std::optional<std::string> uncached_reason(const key::Invocation &invocation);

} // namespace fleche::engine
