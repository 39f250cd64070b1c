#include "util/error.hpp"

#include <cstring>
#include <unistd.h>

namespace fleche {

namespace {
void write_line(const std::string &line) {
    // One write() so that concurrent fleche processes do not interleave lines.
    std::string text = line + "\n";
    const char *p = text.data();
    size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0)
            return;
        p += n;
        left -= static_cast<size_t>(n);
    }
}
} // namespace

void warn(const std::string &message) {
    write_line("fleche: warning: " + message);
}

void say(const std::string &message) {
    write_line("fleche: " + message);
}

std::string errno_message(const std::string &what, int err) {
    return what + ": " + std::strerror(err);
}

} // namespace fleche
