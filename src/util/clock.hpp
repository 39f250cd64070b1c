#pragma once

#include <cstdint>
#include <ctime>

namespace fleche {

// Wall-clock time in nanoseconds since the epoch.
inline int64_t now_ns() {
    timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// When this process started (set by main()), for how long a hit took.
int64_t &process_start_ns();

} // namespace fleche
