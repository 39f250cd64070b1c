#include "store/key_prefix.hpp"

#include "store/index.hpp"

#include <algorithm>

namespace fleche::store {

std::vector<std::string> keys_with_prefix(Index &index, const std::string &prefix, int limit) {
    // Every key with the prefix sorts between the prefix and prefix + "g",
    // since 'g' comes after every hex digit.
    Statement query(index.database(),
                    "SELECT key FROM entries WHERE key >= ? AND key < ? ORDER BY key LIMIT ?");
    query.bind(1, prefix).bind(2, prefix + "g").bind(3, int64_t(limit));
    std::vector<std::string> keys;
    while (query.step())
        keys.push_back(query.text(0));
    return keys;
}

std::string short_key(Index &index, const std::string &key) {
    size_t length = short_key_length;
    // Only the two neighbours in key order can share a longer prefix.
    for (const char *sql : {"SELECT max(key) FROM entries WHERE key < ?",
                            "SELECT min(key) FROM entries WHERE key > ?"}) {
        Statement query(index.database(), sql);
        query.bind(1, key);
        if (!query.step() || query.is_null(0))
            continue;
        std::string other = query.text(0);
        auto mismatch = std::mismatch(key.begin(), key.end(), other.begin(), other.end());
        length = std::max(length, static_cast<size_t>(mismatch.first - key.begin()) + 1);
    }
    return key.substr(0, std::min(length, key.size()));
}

} // namespace fleche::store
