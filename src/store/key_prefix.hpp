// Keys as people type and read them: any unique prefix of at least 4 hex
// characters names an entry, and a key is shown as its shortest unique prefix
// of at least 8. Both are range lookups on the primary key of entries.
#pragma once

#include <string>
#include <vector>

namespace fleche::store {

class Index;

inline constexpr size_t min_key_prefix = 4;
inline constexpr size_t short_key_length = 8;

// Stored keys that start with `prefix` (lower-case hex), at most `limit`.
std::vector<std::string> keys_with_prefix(Index &index, const std::string &prefix, int limit);

// The shortest prefix of `key` (at least short_key_length) that no other
// stored key shares.
std::string short_key(Index &index, const std::string &key);

} // namespace fleche::store
