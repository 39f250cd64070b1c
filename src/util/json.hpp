// The little JSON that fleche writes: quoted strings and arrays of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleche {

// A JSON string literal, with control characters escaped; bytes that are not
// valid UTF-8 are passed through (JSON readers differ on them, fleche never
// invents a replacement).
std::string json_string(std::string_view text);
// ["a","b"]
std::string json_strings(const std::vector<std::string> &items);

} // namespace fleche
