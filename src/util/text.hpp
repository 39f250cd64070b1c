// Text for people: durations, sizes, quoted command lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fleche {

// 0.8ms, 152ms, 2.31s, 4m05s, 3h12m, 2d04h
std::string format_duration(int64_t ns);
// A command line that a POSIX shell would split back into `argv`.
std::string shell_join(const std::vector<std::string> &argv);
// "text" in double quotes, with '"', '\\' and control bytes escaped C-style,
// for messages that show a value exactly.
std::string quoted(const std::string &text);
// The last component of a path.
std::string base_name(const std::string &path);

} // namespace fleche
