#include "store/stat_cache.hpp"

#include "store/sqlite.hpp"

namespace fleche::store {

Index *StatCache::index() {
    Index *opened = store_ ? store_->try_index() : nullptr;
    if (!opened)
        store_ = nullptr; // an unreadable cache is only slower: do not try again
    return opened;
}

std::optional<std::string> StatCache::find(const std::string &path, const key::FileStamp &stamp) {
    if (auto it = learnt_.find(path); it != learnt_.end() && it->second.first == stamp)
        return it->second.second;
    Index *cache = index();
    if (!cache)
        return std::nullopt;
    try {
        Statement query(cache->database(),
                        "SELECT digest FROM stat_cache WHERE path = ? AND dev = ? AND ino = ? "
                        "AND size = ? AND mtime_ns = ? AND ctime_ns = ?");
        query.bind(1, path).bind(2, stamp.dev).bind(3, stamp.ino).bind(4, stamp.size);
        query.bind(5, stamp.mtime_ns).bind(6, stamp.ctime_ns);
        if (query.step()) {
            learnt_[path] = {stamp, query.text(0)}; // asked again after a prefetch
            return learnt_[path].second;
        }
    } catch (const std::exception &) {
        // an unreadable cache is only slower
    }
    return std::nullopt;
}

void StatCache::remember(const std::string &path, const key::FileStamp &stamp,
                         const std::string &digest) {
    learnt_[path] = {stamp, digest};
    pending_[path] = {stamp, digest};
}

void StatCache::flush() noexcept {
    if (pending_.empty())
        return;
    try {
        Index *cache = index();
        if (!cache)
            return;
        Database &db = cache->database();
        // Before CMD runs when the key is computed: not the entry's hooks.
        Transaction transaction(db, {"stat-cache-begin", "stat-cache-commit"});
        Statement insert(db, "INSERT OR REPLACE INTO stat_cache(path, dev, ino, size, mtime_ns, "
                             "ctime_ns, digest) VALUES(?,?,?,?,?,?,?)");
        for (const auto &[path, value] : pending_) {
            const auto &[stamp, digest] = value;
            insert.bind(1, path).bind(2, stamp.dev).bind(3, stamp.ino).bind(4, stamp.size);
            insert.bind(5, stamp.mtime_ns).bind(6, stamp.ctime_ns).bind(7, digest);
            insert.run();
        }
        transaction.commit();
    } catch (const std::exception &) {
    }
    pending_.clear();
}

} // namespace fleche::store
