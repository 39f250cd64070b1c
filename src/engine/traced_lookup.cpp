#include "engine/traced_lookup.hpp"

#include "engine/lookup.hpp"
#include "store/path_set_list.hpp"

#include <filesystem>

namespace fleche::engine {

key::PathKeying path_keying(const key::Invocation &invocation) {
    std::error_code error;
    auto cwd = std::filesystem::current_path(error);
    return {cwd.string(), invocation.base_dir};
}

PathSetMatch match_path_sets(store::Storage &storage, const PreparedKey &key,
                             const key::PathKeying &keying, key::FileHasher &hasher) {
    PathSetMatch match;
    auto list = storage.get_path_sets(key.key);
    if (!list || list->items.empty()) {
        match.miss_reason = nothing_stored;
        return match;
    }
    for (const auto &item : list->items) {
        ++match.tried;
        auto difference = key::first_difference(item.path_set, keying, hasher);
        if (!difference && store::traced_entry_key(key.key, item.path_set) == item.key) {
            match.entry_key = item.key;
            match.position = match.tried;
            return match;
        }
        if (match.miss_reason.empty())
            match.miss_reason = difference ? *difference : "a path set does not check out";
    }
    if (list->items.size() > 1)
        match.miss_reason += " (and none of the other " + std::to_string(list->items.size() - 1) +
                             " path sets matches)";
    return match;
}

} // namespace fleche::engine
