#include "store/stat_cache_file.hpp"

#include "store/store_access.hpp"

#include "util/clock.hpp"
#include "util/fd.hpp"
#include "util/test_hook.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

namespace fleche::store {

namespace {

// "FLECHESC" as a little-endian host reads it.
constexpr uint64_t stat_cache_magic = 0x4353454843454c46;
// Words hashed by check: path_hash .. digest.
constexpr size_t checked_words = 10;
constexpr size_t bucket_words = stat_cache_slots_per_bucket * stat_cache_slot_words;
// Below this much free space in the store, nothing is written.
constexpr uint64_t min_free = 1 << 20;
// A file claiming more is not ours (and would map gigabytes).
constexpr uint64_t max_bucket_count = 1 << 20;

static_assert(std::atomic_ref<uint64_t>::is_always_lock_free,
              "the mapping is shared between processes: its atomics must not take locks");

// The mapping is read-only for readers: atomic_ref wants a mutable object,
// and a lock-free load never writes it.
uint64_t load(const uint64_t *word, std::memory_order order) {
    return std::atomic_ref<uint64_t>(*const_cast<uint64_t *>(word)).load(order);
}

void store_word(uint64_t *word, uint64_t value, std::memory_order order) {
    std::atomic_ref<uint64_t>(*word).store(value, order);
}

// splitmix64's finaliser: every input bit reaches every output bit.
uint64_t mix(uint64_t h) {
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9;
    h ^= h >> 27;
    h *= 0x94d049bb133111eb;
    return h ^ (h >> 31);
}

uint64_t check_of(const uint64_t *words) {
    uint64_t h = 0x5354415443414348; // not 0: an all-zero slot fails
    for (size_t i = 0; i < checked_words; ++i)
        h = mix(h ^ words[i]);
    return h;
}

// The words path_hash .. check of a slot for `key` and `digest`.
void encode(uint64_t *words, const StatKey &key, const Digest &digest) {
    const key::FileStamp &s = key.stamp;
    uint64_t fields[] = {key.path_hash,    uint64_t(s.dev),      uint64_t(s.ino),
                         uint64_t(s.size), uint64_t(s.mtime_ns), uint64_t(s.ctime_ns)};
    std::memcpy(words, fields, sizeof fields);
    std::memcpy(words + 6, digest.data(), digest.size());
    words[checked_words] = check_of(words);
}

// Whether the slot looks written and intact (stable or not): a writer may
// take any other slot.
bool intact(const uint64_t *slot) {
    uint64_t words[stat_cache_slot_words - 1];
    for (size_t i = 0; i < checked_words + 1; ++i)
        words[i] = load(slot + 1 + i, std::memory_order_relaxed);
    uint64_t seq = load(slot, std::memory_order_relaxed);
    return seq != 0 && seq % 2 == 0 && check_of(words) == words[checked_words];
}

// The slot of an older stamp of this path, else a free or damaged one, else
// one at random: a bucket holds no stale versions of a file.
size_t slot_to_write(const uint64_t *bucket, uint64_t path_hash) {
    for (size_t i = 0; i < stat_cache_slots_per_bucket; ++i)
        if (load(bucket + i * stat_cache_slot_words + 1, std::memory_order_relaxed) == path_hash)
            return i;
    for (size_t i = 0; i < stat_cache_slots_per_bucket; ++i)
        if (!intact(bucket + i * stat_cache_slot_words))
            return i;
    return size_t(now_ns()) % stat_cache_slots_per_bucket;
}

struct Mapping {
    void *address = MAP_FAILED;
    size_t bytes = 0;
    Mapping() = default;
    Mapping(int fd, size_t size, int protection)
        : address(::mmap(nullptr, size, protection, MAP_SHARED, fd, 0)), bytes(size) {}
    Mapping(const Mapping &) = delete;
    Mapping &operator=(const Mapping &) = delete;
    ~Mapping() {
        if (address != MAP_FAILED)
            ::munmap(address, bytes);
    }
    uint64_t *words() const { return address == MAP_FAILED ? nullptr : (uint64_t *)address; }
};

// The size of the regular file `fd` in words, 0 when it cannot hold a cache.
size_t usable_words(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size % 8 != 0 ||
        size_t(st.st_size) < stat_cache_header_words * 8)
        return 0;
    return size_t(st.st_size) / 8;
}

// A new, empty cache renamed over `path`, locked and mapped for writing.
bool create(const std::string &path, const std::string &tmp_dir, Fd &fd,
            std::unique_ptr<Mapping> &mapping) {
    std::string temp = tmp_dir + "/stat-cache.XXXXXX";
    fd = Fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd)
        return false;
    share_new_file(fd.get());
    test_hook("stat-cache-temp-opened");
    size_t words = stat_cache_file_words(stat_cache_bucket_count);
    // Allocated, not sparse: a page first written through the mapping on a
    // full disk would be SIGBUS, not an error.
    bool made =
        ::flock(fd.get(), LOCK_EX) == 0 && ::posix_fallocate(fd.get(), 0, off_t(words * 8)) == 0;
    if (made) {
        mapping = std::make_unique<Mapping>(fd.get(), words * 8, PROT_READ | PROT_WRITE);
        made = mapping->words() != nullptr;
    }
    if (made) {
        write_header(mapping->words(), stat_cache_bucket_count);
        test_hook("stat-cache-temp");
        made = ::rename(temp.c_str(), path.c_str()) == 0;
        test_hook("stat-cache-created");
    }
    if (!made)
        ::unlink(temp.c_str());
    return made;
}

} // namespace

namespace {

constexpr uint64_t fnv_basis = 0xcbf29ce484222325; // FNV-1a

uint64_t fnv_continue(uint64_t h, std::string_view text) {
    for (unsigned char c : text)
        h = (h ^ c) * 0x100000001b3;
    return h;
}

} // namespace

StatKey stat_key(std::string_view absolute_path, const key::FileStamp &stamp) {
    return {mix(fnv_continue(fnv_basis, absolute_path)), stamp};
}

uint64_t path_hash_state(std::string_view prefix) {
    return fnv_continue(fnv_basis, prefix);
}

StatKey stat_key(uint64_t prefix_state, std::string_view name, const key::FileStamp &stamp) {
    return {mix(fnv_continue(prefix_state, name)), stamp};
}

std::optional<Digest> read_slot(const uint64_t *slot, const StatKey &key) {
    uint64_t before = load(slot, std::memory_order_acquire);
    if (before == 0 || before % 2 != 0)
        return std::nullopt;
    // Most slots a lookup meets are another file's: rejected without the check.
    if (load(slot + 1, std::memory_order_relaxed) != key.path_hash)
        return std::nullopt;
    uint64_t words[stat_cache_slot_words - 1];
    // Acquire: the second read of seq cannot move before these.
    for (size_t i = 0; i < checked_words + 1; ++i)
        words[i] = load(slot + 1 + i, std::memory_order_acquire);
    if (load(slot, std::memory_order_relaxed) != before)
        return std::nullopt;
    uint64_t expected[stat_cache_slot_words - 1];
    Digest digest;
    std::memcpy(digest.data(), words + 6, digest.size());
    encode(expected, key, digest);
    if (std::memcmp(words, expected, sizeof words) != 0)
        return std::nullopt; // another file, or damaged
    return digest;
}

void write_slot(uint64_t *slot, const StatKey &key, const Digest &digest) {
    uint64_t words[stat_cache_slot_words - 1];
    encode(words, key, digest);
    uint64_t seq = load(slot, std::memory_order_relaxed);
    uint64_t odd = seq + 1 + seq % 2; // a writer killed half-way left it odd
    store_word(slot, odd, std::memory_order_relaxed);
    // Release: a reader that sees any of these words sees seq odd as well.
    for (size_t i = 0; i < checked_words + 1; ++i) {
        store_word(slot + 1 + i, words[i], std::memory_order_release);
        if (i == checked_words / 2)
            test_hook("stat-cache-slot");
    }
    store_word(slot, odd + 1, std::memory_order_release);
}

size_t stat_cache_file_words(uint64_t bucket_count) {
    return stat_cache_header_words + size_t(bucket_count) * bucket_words;
}

void write_header(uint64_t *file, uint64_t bucket_count) {
    uint64_t header[stat_cache_header_words] = {stat_cache_magic, stat_cache_format_version,
                                                bucket_count, stat_cache_slots_per_bucket};
    std::memcpy(file, header, sizeof header);
}

uint64_t valid_bucket_count(const uint64_t *file, size_t words) {
    if (words < stat_cache_header_words || file[0] != stat_cache_magic ||
        file[1] != stat_cache_format_version || file[3] != stat_cache_slots_per_bucket)
        return 0;
    uint64_t buckets = file[2];
    if (buckets == 0 || buckets > max_bucket_count || stat_cache_file_words(buckets) != words)
        return 0;
    return buckets;
}

StatCacheFile::~StatCacheFile() {
    if (map_)
        ::munmap(const_cast<uint64_t *>(map_), words_ * 8);
}

std::optional<Digest> StatCacheFile::find(const StatKey &key) {
    if (!opened_) {
        opened_ = true;
        Fd fd = open_store_file(path_, O_RDONLY);
        size_t words = fd ? usable_words(fd.get()) : 0;
        void *map =
            words ? ::mmap(nullptr, words * 8, PROT_READ, MAP_SHARED, fd.get(), 0) : MAP_FAILED;
        if (map != MAP_FAILED) {
            buckets_ = valid_bucket_count(static_cast<const uint64_t *>(map), words);
            if (buckets_) {
                map_ = static_cast<const uint64_t *>(map);
                words_ = words;
            } else {
                ::munmap(map, words * 8);
            }
        }
    }
    if (!map_)
        return std::nullopt;
    const uint64_t *bucket =
        map_ + stat_cache_header_words + (key.path_hash % buckets_) * bucket_words;
    for (size_t i = 0; i < stat_cache_slots_per_bucket; ++i)
        if (auto digest = read_slot(bucket + i * stat_cache_slot_words, key))
            return digest;
    return std::nullopt;
}

bool StatCacheFile::write(const Learnt &learnt, const std::string &tmp_dir) noexcept {
    Fd fd = open_store_file(path_, O_RDWR);
    std::unique_ptr<Mapping> mapping;
    uint64_t buckets = 0;
    if (fd && ::flock(fd.get(), LOCK_EX) == 0) {
        if (size_t words = usable_words(fd.get())) {
            mapping = std::make_unique<Mapping>(fd.get(), words * 8, PROT_READ | PROT_WRITE);
            if (mapping->words())
                buckets = valid_bucket_count(mapping->words(), words);
        }
    }
    if (!buckets) { // missing or not a cache: a new one replaces it
        mapping.reset();
        if (!create(path_, tmp_dir, fd, mapping))
            return false;
        buckets = stat_cache_bucket_count;
    }
    // On a copy-on-write file system even an allocated page needs room.
    struct statvfs room;
    if (::fstatvfs(fd.get(), &room) != 0 || uint64_t(room.f_bavail) * room.f_frsize < min_free)
        return false;
    test_hook("stat-cache-begin");
    uint64_t *file = mapping->words();
    for (const auto &[key, digest] : learnt) {
        uint64_t *bucket =
            file + stat_cache_header_words + (key.path_hash % buckets) * bucket_words;
        size_t victim = slot_to_write(bucket, key.path_hash);
        write_slot(bucket + victim * stat_cache_slot_words, key, digest);
    }
    test_hook("stat-cache-commit");
    return true;
}

} // namespace fleche::store
