#include "util/clock.hpp"

namespace fleche {

int64_t &process_start_ns() {
    static int64_t start = now_ns();
    return start;
}

} // namespace fleche
