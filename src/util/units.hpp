// Durations and sizes as people write them: one parser for every flag,
// variable and config key that takes one, with errors that say what is allowed.
#pragma once

#include <cstdint>
#include <string>

namespace fleche {

// "90s", "15m", "2h", "7d", "1w", "500ms", a bare number meaning seconds;
// returns nanoseconds. Throws Error naming `what` (e.g. "--ttl").
int64_t parse_duration(const std::string &text, const std::string &what);

// "500M", "20G", "1.5T", "4096" (bytes), with K/M/G/T as powers of 1024
// (an optional trailing "B" or "iB" is accepted). Throws Error naming `what`.
uint64_t parse_size(const std::string &text, const std::string &what);

// 1536 -> "1.5K", 3 GiB -> "3.0G": the inverse of parse_size, for people.
std::string format_size(uint64_t bytes);

} // namespace fleche
