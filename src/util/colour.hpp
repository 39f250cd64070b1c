// Colour for tables: only on a terminal, and never when NO_COLOR is set
// (https://no-color.org).
#pragma once

#include <string>

namespace fleche {

bool use_colour(int fd);
// `text` dimmed when `on`, as is otherwise.
std::string dim(const std::string &text, bool on);

} // namespace fleche
