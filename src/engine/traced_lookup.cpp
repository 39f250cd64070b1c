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
    for (auto &item : list->items) {
        ++match.tried;
        auto difference = key::first_difference(item.path_set, keying, hasher);
        if (!difference) {
            // Moved, not copied: the list is dropped here (hundreds of paths).
            match.entry_key = std::move(item.key);
            match.path_set = std::move(item.path_set);
            match.position = match.tried;
            return match;
        }
        if (match.miss_reason.empty())
            match.miss_reason = *difference;
    }
    if (list->items.size() > 1)
        match.miss_reason += " (and none of the other " + std::to_string(list->items.size() - 1) +
                             " path sets matches)";
    return match;
}

Lookup find_traced_entry(store::Storage &storage, const PreparedKey &key, bool accept_failures,
                         const PathSetMatch &match) {
    Lookup lookup = find_entry(storage, key, accept_failures, *match.entry_key);
    const auto &entry = lookup.entry;
    if (entry && !(entry->path_sets.size() == 1 && entry->path_sets.front() == match.path_set)) {
        lookup.entry.reset();
        lookup.miss_reason = "the entry does not hold the path set that named it (a damaged "
                             "path-set list)";
    }
    return lookup;
}

} // namespace fleche::engine
