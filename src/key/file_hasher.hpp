// Content digests of files, remembered by their stat: a file whose (device,
// inode, size, mtime, ctime) are unchanged is not read again. ctime cannot be
// set from user space, so even a content change whose size and mtime were
// put back (touch -r) is noticed. A file changed within the last seconds is
// "racy" (a second change could keep the same timestamps) and is never
// remembered.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unordered_map>
#include <utility>
#include <vector>

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
    // The same, or nullopt with `problem` saying why the file cannot be
    // read ("cannot read 'x': Permission denied").
    std::optional<std::string> try_digest(const std::string &path, const struct stat &st,
                                          std::string &problem);

    // Whether the cache knows the file at `path` whose stamp is `stamp`, just
    // taken by the caller: then digest() given that stamp answers from it
    // without looking up again.
    bool recall(const std::string &path, const FileStamp &stamp);

    // A regular file and its stat as the walk that found it saw it.
    struct Found {
        std::string path;
        FileStamp stamp;
    };

    // Hashes, several at once, `files` (which recall() did not know) that
    // digest() will be asked for: a cold run over large inputs is
    // bound by SHA-256, which runs on one core per file. Small jobs are left
    // to digest(), where threads would cost more than they save. The stamps
    // are the walk's, not stat'ed again: a digest computed here is used only
    // if digest() is later given the same stamp.
    void prefetch(const std::vector<Found> &files);

  private:
    std::string absolute(const std::string &path) const;
    void remember(const std::string &key, const FileStamp &stamp, const std::string &digest);

    // Digests recalled from the cache or hashed ahead of digest(), each with
    // the stamp it is for.
    std::unordered_map<std::string, std::pair<FileStamp, std::string>> recalled_;
    std::map<std::string, std::pair<FileStamp, std::string>> prefetched_;
    DigestCache *cache_;
    std::string cwd_;
    int64_t racy_after_ns_;
};

} // namespace fleche::key
