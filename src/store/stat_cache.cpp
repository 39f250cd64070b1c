#include "store/stat_cache.hpp"

namespace fleche::store {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// The bytes of a lowercase hex SHA-256, as sha256_*_hex produce it.
std::optional<Digest> digest_of_hex(const std::string &hex) {
    Digest digest;
    if (hex.size() != 2 * digest.size())
        return std::nullopt;
    for (size_t i = 0; i < digest.size(); ++i) {
        int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return std::nullopt;
        digest[i] = static_cast<unsigned char>(high << 4 | low);
    }
    return digest;
}

} // namespace

StatCache::StatCache(const std::string &store_dir) {
    if (!store_dir.empty()) {
        tmp_dir_ = store_dir + "/tmp";
        file_ = std::make_unique<StatCacheFile>(store_dir + "/" + stat_cache_file_name);
    }
}

std::optional<Digest> StatCache::find(const StatKey &key) {
    if (auto it = learnt_.find(key.path_hash); it != learnt_.end() && it->second.first == key.stamp)
        return it->second.second;
    if (!file_)
        return std::nullopt;
    return file_->find(key);
}

std::optional<Digest> StatCache::find(const std::string &path, const key::FileStamp &stamp) {
    return find(stat_key(path, stamp));
}

uint64_t StatCache::directory(std::string_view dir) {
    return path_hash_state(dir);
}

std::optional<Digest> StatCache::find_in(uint64_t directory, std::string_view name,
                                         const key::FileStamp &stamp) {
    return find(stat_key(directory, name, stamp));
}

void StatCache::remember(const std::string &path, const key::FileStamp &stamp,
                         const std::string &digest) {
    auto bytes = digest_of_hex(digest);
    if (!bytes)
        return;
    StatKey key = stat_key(path, stamp);
    learnt_[key.path_hash] = {stamp, *bytes};
    if (file_)
        pending_.emplace_back(key, *bytes);
}

void StatCache::flush() noexcept {
    if (file_ && !pending_.empty())
        file_->write(pending_, tmp_dir_);
    pending_.clear();
}

} // namespace fleche::store
