// gc.usage: what a storing run needs to know, cheaply, to tell whether the
// store has just crossed a limit ([store] max_size or max_age) and automatic
// gc is due (see auto_gc.hpp). gc writes it after each gc with what it
// measured; each storing run adds what it stored. It is an estimate: a blob
// stored again counts twice until the next gc, a hit that makes the oldest
// entry younger is not recorded. Both err towards an early gc, which then
// measures and corrects the file. A missing or unreadable file means a gc
// never measured this store: one is due.
//
// Grammar (version usage_format_version), one line of decimal fields:
//   "fleche-usage" SP version SP bytes SP oldest_use_ns LF
//     bytes          allocated bytes of the whole store, as disk_usage.hpp
//                    measures them, plus what storing runs added since
//     oldest_use_ns  the oldest last use of an entry kept by the last gc,
//                    or of the first entry stored after it; 0 for none
//
// Read, added to and rewritten in place under an flock of the file itself,
// held for a read and a write of one short line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleche::store {

inline constexpr uint32_t usage_format_version = 1;

struct UsageEstimate {
    uint64_t bytes = 0;
    int64_t oldest_use_ns = 0;
};

std::string encode_usage(const UsageEstimate &usage);
std::optional<UsageEstimate> decode_usage(std::string_view text);

std::string usage_path(const std::string &store_dir);

// Adds `bytes` stored by a run whose entry was last used at `use_ns` and
// returns the new estimate; nullopt when there was none (never measured,
// unreadable) or it cannot be written. Never throws.
std::optional<UsageEstimate> add_usage(const std::string &store_dir, uint64_t bytes,
                                       int64_t use_ns) noexcept;

// gc, before it measures: the file exists and takes its block (a new one
// holds a line that does not decode: not measured yet), so that writing it
// afterwards adds nothing to what gc measured.
void create_usage(const std::string &store_dir) noexcept;

// gc: what it measured. Never throws (the next gc writes it again).
void write_usage(const std::string &store_dir, const UsageEstimate &usage) noexcept;

} // namespace fleche::store
