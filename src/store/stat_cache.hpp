// The stat cache: digests of files remembered by their absolute path and
// stat, so that an unchanged input or tool is not read again on the next run.
// Lookups read the store's stat cache file (see stat_cache_file.hpp) through
// a read-only mapping: no SQLite, nothing per file but a few loads. What is
// learnt is kept in memory and written by flush() under the file's lock,
// never on a warm hit.
#pragma once

#include "key/file_hasher.hpp"
#include "store/stat_cache_file.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace fleche::store {

// In the store directory.
inline constexpr const char *stat_cache_file_name = "stat-cache";

class StatCache : public key::DigestCache {
  public:
    // `store_dir` empty (no store): it only remembers for this process.
    explicit StatCache(const std::string &store_dir);

    std::optional<Digest> find(const std::string &path, const key::FileStamp &stamp) override;
    uint64_t directory(std::string_view dir) override;
    std::optional<Digest> find_in(uint64_t directory, std::string_view name,
                                  const key::FileStamp &stamp) override;
    void remember(const std::string &path, const key::FileStamp &stamp,
                  const std::string &digest) override;
    // Best effort: a store that cannot be written only loses the speed-up.
    void flush() noexcept;

  private:
    std::optional<Digest> find(const StatKey &key);

    std::string tmp_dir_;
    std::unique_ptr<StatCacheFile> file_;
    // By path hash, as in the file: a path is known by its hash there too.
    std::unordered_map<uint64_t, std::pair<key::FileStamp, Digest>> learnt_;
    StatCacheFile::Learnt pending_;
};

} // namespace fleche::store
