// The path-set list of a traced key: under the first key K1 (argv, tool,
// env, declared inputs), the path sets that traced runs of K1 saw, each with
// the second key K2 it produced (K2 names the entry, which keeps its own copy
// of the path set: a lost list costs a miss, nothing more). Newest first,
// at most max_path_sets, no two items with the same K2.
//
// Encoding (version 1), one element per line:
//   "fleche-path-sets 1"             magic and path_set_list_version
//   "key " HEX                       K1
//   "item " HEX " " UINT             for each item: its K2, its number of paths,
//   "path " STR " " STATE            then each path, as in entry_file.hpp:
//                                    "content " HEX, "listing " HEX,
//                                    "missing" or "directory"
//   "sha256 " HEX                    of every byte before this line
// STR is "<decimal length>:<bytes>", HEX a lower-case SHA-256; every line
// ends in "\n". A reader refuses anything else, and other versions.
#pragma once

#include "store/entry.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleche::store {

inline constexpr uint32_t path_set_list_version = 1;
inline constexpr size_t max_path_sets = 32;

struct PathSetItem {
    PathSet path_set;
    std::string key; // K2
    bool operator==(const PathSetItem &) const = default;
};

struct PathSetList {
    std::string key;                // K1
    std::vector<PathSetItem> items; // newest first
    bool operator==(const PathSetList &) const = default;
};

std::string encode_path_set_list(const PathSetList &list);
// nullopt for anything but a whole, well-formed list of this version whose
// checksum matches, with `why` (when given) saying what is wrong. Never throws.
std::optional<PathSetList> decode_path_set_list(std::string_view bytes, std::string *why = nullptr);

// The "path" lines of `set`, as in an item above: the canonical form of a
// path set, which its K2 is computed over and entry files repeat.
std::string encode_path_lines(const PathSet &set);

// K2, the key of the entry a traced run of K1 stored with path set `set`:
// SHA-256 of "fleche-traced 1\n", "key " K1 "\n", then encode_path_lines(set).
// Entry files of traced keys are verified against it (entries.cpp).
std::string traced_entry_key(const std::string &k1, const PathSet &set);
// The same over `path_lines`, which are encode_path_lines of the path set.
std::string traced_entry_key_of_lines(std::string_view k1, std::string_view path_lines);

// `item` first, then the items of `list` with another K2, at most
// max_path_sets (the oldest dropped). The caller holds K1's key lock.
void prepend_path_set(PathSetList &list, PathSetItem item);

} // namespace fleche::store
