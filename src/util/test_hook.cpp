#include "util/test_hook.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace fleche {

namespace {

// True when `spec` ("NAME" or "NAME@N") names `point` and this is its N-th
// visit; `visits` counts the visits of the point named in spec.
bool hit(const char *spec, const char *point, int &visits) {
    if (!spec)
        return false;
    std::string text = spec;
    auto at = text.find('@');
    int wanted = at == std::string::npos ? 1 : std::atoi(text.c_str() + at + 1);
    if (text.substr(0, at) != point)
        return false;
    return ++visits == wanted;
}

} // namespace

void test_hook(const char *point) {
    static int kill_visits = 0, stop_visits = 0;
    if (hit(std::getenv("FLECHE_TEST_KILL_POINT"), point, kill_visits))
        std::raise(SIGKILL);
    if (hit(std::getenv("FLECHE_TEST_STOP_POINT"), point, stop_visits))
        std::raise(SIGSTOP);
}

int64_t test_racy_window_ns(int64_t normal) {
    static const char *value = std::getenv("FLECHE_TEST_RACY_NS");
    return value ? std::strtoll(value, nullptr, 10) : normal;
}

} // namespace fleche
