#include "util/test_hook.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace fleche {

namespace {

// True when `spec` ("NAME" or "NAME@N") names `point` and this is its N-th
// visit; `visits` counts the visits of the point named in spec.
bool hit(const char *spec, const char *point, std::atomic<int> &visits) {
    if (!spec)
        return false;
    std::string text = spec;
    text = text.substr(0, text.find(':'));
    auto at = text.find('@');
    int wanted = at == std::string::npos ? 1 : std::atoi(text.c_str() + at + 1);
    if (text.substr(0, at) != point)
        return false;
    return ++visits == wanted;
}

} // namespace

void test_hook(const char *point) {
    static std::atomic<int> kill_visits = 0, stop_visits = 0, hold_visits = 0;
    if (hit(std::getenv("FLECHE_TEST_KILL_POINT"), point, kill_visits))
        std::raise(SIGKILL);
    if (hit(std::getenv("FLECHE_TEST_STOP_POINT"), point, stop_visits))
        std::raise(SIGSTOP);
    const char *hold = std::getenv("FLECHE_TEST_HOLD_POINT");
    if (hit(hold, point, hold_visits)) {
        // Opening a FIFO for reading waits for a writer: the test's go.
        if (const char *fifo = std::strchr(hold, ':'))
            ::close(::open(fifo + 1, O_RDONLY | O_CLOEXEC));
    }
}

int64_t test_racy_window_ns(int64_t normal) {
    static const char *value = std::getenv("FLECHE_TEST_RACY_NS");
    return value ? std::strtoll(value, nullptr, 10) : normal;
}

} // namespace fleche
