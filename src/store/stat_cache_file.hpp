// The stat cache file, `stat-cache` in the store: content digests of files
// remembered by their absolute path and stat, read by a hit through one
// read-only memory mapping (no SQLite, no statement per file). The design
// follows ccache's inode cache: a fixed-size hash table of buckets that old
// slots are overwritten in, so its size is bounded.
//
// Grammar (64-bit words in host byte order: the file never leaves the machine,
// and one of the other order fails the magic):
//   file   = header bucket{bucket_count}
//   header = magic version bucket_count slots_per_bucket 0{4}     (8 words)
//            magic "FLECHESC", version stat_cache_format_version,
//            slots_per_bucket stat_cache_slots_per_bucket
//   bucket = slot{slots_per_bucket}          (the bucket of path_hash % count)
//   slot   = seq path_hash dev ino size mtime_ns ctime_ns digest{4} check
//            (12 words; digest the 32 bytes of the content's SHA-256)
// The file's size is exactly that of its header and buckets.
//
// What guarantees that a slot never yields a wrong digest:
// - seq is a per-slot sequence lock: odd while a writer is changing the slot.
//   A reader reads seq, the words, and seq again, and takes the slot only
//   when both reads were the same even number (a writer killed half-way
//   leaves it odd: a miss until the slot is written again);
// - check is a hash of the words from path_hash to digest: a slot damaged on
//   disk (or still all zero) fails it;
// - the stamp (dev .. ctime_ns) is compared in full, the path by its hash:
//   two names of one inode with one stamp have one content.
// Writers hold flock(LOCK_EX) on the file; readers take no lock. A file that
// is missing, truncated, foreign or of another version is ignored by readers
// and replaced by the next writer (a new file renamed over it), never an
// error. The file is allocated when created, and not written on a nearly full
// disk: a write through the mapping that finds no room is SIGBUS. Every access to the mapping is
// atomic, so a reader racing a writer is defined behaviour (and ThreadSanitizer agrees).
#pragma once

#include "key/file_hasher.hpp"
#include "util/sha256.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleche::store {

inline constexpr uint64_t stat_cache_format_version = 1;
// 8192 buckets of 4 slots: 32,768 files in 3 MiB.
inline constexpr uint64_t stat_cache_bucket_count = 8192;
inline constexpr uint64_t stat_cache_slots_per_bucket = 4;
inline constexpr size_t stat_cache_header_words = 8;
inline constexpr size_t stat_cache_slot_words = 12;

// What a slot is found by.
struct StatKey {
    uint64_t path_hash;
    key::FileStamp stamp;
};
StatKey stat_key(std::string_view absolute_path, const key::FileStamp &stamp);
// The same in steps, for the files of one directory: the path's hash state
// after a prefix (the directory, slash included), continued by each name.
uint64_t path_hash_state(std::string_view prefix);
StatKey stat_key(uint64_t prefix_state, std::string_view name, const key::FileStamp &stamp);

// The codec of one slot, on words of a mapping (or of a test's buffer).
// read_slot: the slot's digest when it is stable, intact and holds `key`.
std::optional<Digest> read_slot(const uint64_t *slot, const StatKey &key);
void write_slot(uint64_t *slot, const StatKey &key, const Digest &digest);

// The codec of the header. `words` is the file's size in words.
void write_header(uint64_t *file, uint64_t bucket_count);
// The bucket count of a valid file, 0 for one to ignore.
uint64_t valid_bucket_count(const uint64_t *file, size_t words);
size_t stat_cache_file_words(uint64_t bucket_count);

// A store's stat cache file, mapped read-only on the first lookup.
class StatCacheFile {
  public:
    explicit StatCacheFile(std::string path) : path_(std::move(path)) {}
    ~StatCacheFile();
    StatCacheFile(const StatCacheFile &) = delete;
    StatCacheFile &operator=(const StatCacheFile &) = delete;

    std::optional<Digest> find(const StatKey &key);

    using Learnt = std::vector<std::pair<StatKey, Digest>>;
    // Writes `learnt` under the file's lock, creating or replacing the file
    // when it is missing or invalid (through `tmp_dir`). Best effort: false
    // when the store cannot be written, which only loses the speed-up.
    bool write(const Learnt &learnt, const std::string &tmp_dir) noexcept;

  private:
    std::string path_;
    bool opened_ = false;
    const uint64_t *map_ = nullptr;
    size_t words_ = 0;
    uint64_t buckets_ = 0;
};

} // namespace fleche::store
