// Text for people: durations, sizes, quoted command lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fleche {

// 0.8ms, 152ms, 2.31s, 4m05s, 3h12m, 2d04h
std::string format_duration(int64_t ns);
// A command line that a POSIX shell would split back into `argv`, byte for
// byte (what entries store and --cmd matches).
std::string shell_join(const std::vector<std::string> &argv);
// The same for a terminal: an argument with a control character (or bytes
// that are not UTF-8) is written $'...' with escapes, which bash, zsh and
// POSIX.1-2024 shells split back into the same bytes.
std::string printable_shell_join(const std::vector<std::string> &argv);
// `text` with every control character (C0, DEL, C1 and bytes that are not
// UTF-8) written as \n, \t, \r or \xHH: stored names, tags and paths come
// from anyone's command line and must never reach a terminal raw. The rest,
// backslashes included, is unchanged.
std::string printable(std::string_view text);
// "text" in double quotes, with '"' and '\\' escaped and control characters
// as printable() writes them, for messages that show a value exactly.
std::string quoted(const std::string &text);
// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i);
// The last component of a path.
std::string base_name(const std::string &path);

} // namespace fleche
