#include "util/colour.hpp"

#include <cstdlib>
#include <unistd.h>

namespace fleche {

bool use_colour(int fd) {
    const char *no_colour = std::getenv("NO_COLOR");
    const char *term = std::getenv("TERM");
    return ::isatty(fd) && !(no_colour && *no_colour) && !(term && std::string(term) == "dumb");
}

std::string dim(const std::string &text, bool on) {
    return on ? "\033[2m" + text + "\033[0m" : text;
}

} // namespace fleche
