// Content digests of files, remembered by their stat: a file whose (device,
// inode, size, mtime, ctime) are unchanged is not read again. ctime cannot be
// set from user space, so even a content change whose size and mtime were
// put back (touch -r) is noticed. A file changed within the last seconds is
// "racy" (a second change could keep the same timestamps) and is never
// remembered.
#pragma once

#include "util/sha256.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
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
    virtual std::optional<Digest> find(const std::string &path, const FileStamp &stamp) = 0;
    // For the files of one directory, `dir` its absolute path with a final
    // slash: a token that find_in() continues from with each name, so that
    // no file's path is built or hashed whole.
    virtual uint64_t directory(std::string_view dir) = 0;
    virtual std::optional<Digest> find_in(uint64_t directory, std::string_view name,
                                          const FileStamp &stamp) = 0;
    virtual void remember(const std::string &path, const FileStamp &stamp,
                          const std::string &digest) = 0;
};

class FileHasher {
  public:
    explicit FileHasher(DigestCache *cache = nullptr);
    // With stamps remembered once they are `racy_window_ns` old (by default
    // 2 s, or FLECHE_TEST_RACY_NS): for tests, which date their files back
    // rather than wait.
    FileHasher(DigestCache *cache, int64_t racy_window_ns);

    // Digest of the regular file at `path` whose stat is `st`. Throws Error.
    std::string digest(const std::string &path, const struct stat &st);
    // The same, or nullopt with `problem` saying why the file cannot be
    // read ("cannot read 'x': Permission denied").
    std::optional<std::string> try_digest(const std::string &path, const struct stat &st,
                                          std::string &problem);
    std::optional<std::string> try_digest(const std::string &path, const FileStamp &stamp,
                                          std::string &problem);

    // What the cache knows of the file at `path` whose stamp is `stamp`,
    // just taken by the caller; nothing is read.
    std::optional<Digest> recall(const std::string &path, const FileStamp &stamp);
    // The same for the files of one directory (named as the caller names
    // it), each by its name: a warm hit over a large tree asks this once per
    // file, and it costs a hash of the name and a probe of the mapped cache.
    struct Directory {
        uint64_t token = 0;
    };
    Directory directory(const std::string &dir) const;
    std::optional<Digest> recall_in(const Directory &dir, std::string_view name,
                                    const FileStamp &stamp) const;

    // Facts other than a file's content that hold while one stamp is
    // unchanged (the names missing from a directory, a directory's listing),
    // kept by the cache beside digests and under the same racy rule: a racy
    // stamp is never remembered. `fact` may be any string: the cache is asked
    // for "fact:" + fact, never an absolute path, so that no file's digest
    // answers for a fact. `digest` is a lower-case hex SHA-256.
    std::optional<Digest> recall_fact(const std::string &fact, const FileStamp &stamp);
    void remember_fact(const std::string &fact, const FileStamp &stamp, const std::string &digest);

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

    // Digests hashed ahead of digest(), each with the stamp it is for.
    std::map<std::string, std::pair<FileStamp, std::string>> prefetched_;
    DigestCache *cache_;
    std::string cwd_;
    int64_t racy_after_ns_;
};

} // namespace fleche::key
