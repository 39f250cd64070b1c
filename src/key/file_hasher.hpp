// Content digests of files, remembered by their stat: a file whose (device,
// inode, size, mtime, ctime) are unchanged is not read again. ctime cannot be
// set from user space, so even a content change whose size and mtime were
// put back (touch -r) is noticed. A file changed within the last seconds is
// "racy" (a second change could keep the same timestamps) and is never
// remembered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <sys/stat.h>

namespace fleche::key {

struct FileStamp {
    int64_t dev = 0, ino = 0, size = 0, mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileStamp &) const = default;
};

FileStamp stamp_of(const struct stat &st);

// Where digests are remembered (the store's stat cache, see
// store/stat_cache.hpp). Paths are absolute.
class DigestCache {
  public:
    virtual ~DigestCache() = default;
    virtual std::optional<std::string> find(const std::string &path, const FileStamp &stamp) = 0;
    virtual void remember(const std::string &path, const FileStamp &stamp,
                          const std::string &digest) = 0;
};

class FileHasher {
  public:
    explicit FileHasher(DigestCache *cache = nullptr);

    // Digest of the regular file at `path` whose stat is `st`. Throws Error.
    std::string digest(const std::string &path, const struct stat &st);

  private:
    std::string absolute(const std::string &path) const;

    DigestCache *cache_;
    std::string cwd_;
    int64_t racy_after_ns_;
};

} // namespace fleche::key
