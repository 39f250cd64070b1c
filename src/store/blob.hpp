// Content-addressed blobs under objects/ab/cdef..., named by the SHA-256 of
// their uncompressed content.
//
// File format (version 1):
//   magic        4 bytes  "FLCB"
//   version      u8       1
//   compression  u8       0 = none, 1 = zstd (never renumber)
//   reserved     u16      0
//   size         u64le    uncompressed size
//   payload      rest     zstd frame (or raw bytes)
//
// A blob is written to tmp/ and renamed into place only by commit(), so a
// reader never sees half a blob; it is verified against its name on every
// read, and a mismatch is reported as BlobCorrupt, never returned as data.
#pragma once

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace fleche::store {

inline constexpr char blob_magic[4] = {'F', 'L', 'C', 'B'};
inline constexpr uint8_t blob_format_version = 1;
enum class Compression : uint8_t { none = 0, zstd = 1 }; // stored on disk: never renumber
inline constexpr size_t blob_header_size = 16;

// A blob that is missing, truncated, or whose content does not match its name.
// A store error like any other (see the rule in util/error.hpp): `run` turns
// it into a miss, and a command that cannot do without the blob (show) fails
// with it. verify catches it by this type to count damaged blobs.
class BlobCorrupt : public Error {
  public:
    explicit BlobCorrupt(const std::string &message) : Error(message) {}
};

class BlobStore {
  public:
    explicit BlobStore(std::string root, int compression_level = 1)
        : root_(std::move(root)), level_(compression_level) {}

    std::string path_of(const std::string &digest) const;
    const std::string &root() const { return root_; }
    int compression_level() const { return level_; }
    bool contains(const std::string &digest) const;

    using Sink = std::function<void(const char *, size_t)>;

    // Streams a blob out through `sink` after checking it, so that nothing of
    // a corrupt blob reaches the sink: small blobs are decompressed once into
    // memory, large ones are checked in a first pass and streamed in a
    // second, in bounded memory. Throws BlobCorrupt.
    void read(const std::string &digest, const Sink &sink) const;
    // The whole content in memory: for blobs known to be small.
    std::string read_all(const std::string &digest) const;

    // Decompresses into `sink` without a prior check and returns the digest
    // of what was produced: for a caller that holds the data where nobody
    // sees it (a temporary file) and compares the digest before using it,
    // so that checking costs no second pass. Throws BlobCorrupt.
    std::string read_unverified(const std::string &digest, const Sink &sink) const;
    // Decodes the whole blob and returns the digest of its content (verify
    // compares it with the name). Throws BlobCorrupt.
    std::string content_digest(const std::string &digest) const;

  private:
    std::string root_;
    int level_;
};

// Streams data into a new blob: hashing and compressing as it goes, in a
// temporary file that only commit() moves into objects/. A large blob whose
// first small_blob_limit bytes do not compress is stored raw; one that does
// is compressed on a thread of zstd's while write() hashes.
class BlobWriter {
  public:
    explicit BlobWriter(const BlobStore &store);
    ~BlobWriter();
    BlobWriter(const BlobWriter &) = delete;
    BlobWriter &operator=(const BlobWriter &) = delete;

    // Throws Error on a write failure (disk full...).
    void write(const char *data, size_t size);
    // Returns the digest (the blob's name). Throws Error.
    std::string commit();
    uint64_t size() const { return size_; }

  private:
    // Blobs up to this size are held in memory and written by commit().
    static constexpr size_t small_blob_limit = 64 * 1024;

    void write_header(Compression compression, uint64_t size);
    void start_stream();
    void write_stream(const void *data, size_t size, bool end);
    void write_small();

    const BlobStore &store_;
    TempFile tmp_;
    std::string small_;
    Sha256 hash_;
    uint64_t size_ = 0;
    bool raw_ = false; // streamed without compression
    struct Zstd;
    std::unique_ptr<Zstd> zstd_; // set once the blob is too large to hold
};

// The uncompressed size a blob file's header records; nullopt when the file
// is not a blob (no header, or one of another format).
std::optional<uint64_t> blob_content_size(const std::string &path);

// Copies a file into the store; returns its digest.
std::string store_file(const BlobStore &store, const std::string &path);

} // namespace fleche::store
