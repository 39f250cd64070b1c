#include "store/blob.hpp"

#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/test_hook.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <sys/stat.h>
#include <vector>
#include <zstd.h>

namespace fleche::store {

namespace {

// Blobs up to this size are checked and replayed from memory in one pass.
constexpr uint64_t in_memory_limit = 64ull << 20;
constexpr size_t io_block = 1 << 20;

void put_u64le(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<unsigned char>(v >> (8 * i));
}

uint64_t get_u64le(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

struct Header {
    Compression compression;
    uint64_t size;
};

Header read_header(int fd, const std::string &path) {
    unsigned char raw[blob_header_size];
    ssize_t n = read_some(fd, raw, sizeof raw);
    if (n != static_cast<ssize_t>(sizeof raw) || std::memcmp(raw, blob_magic, 4) != 0)
        throw BlobCorrupt("blob '" + path + "' has no valid header");
    if (raw[4] != blob_format_version)
        throw BlobCorrupt("blob '" + path + "' has unknown format version " +
                          std::to_string(raw[4]));
    if (raw[5] != static_cast<uint8_t>(Compression::none) &&
        raw[5] != static_cast<uint8_t>(Compression::zstd))
        throw BlobCorrupt("blob '" + path + "' has unknown compression");
    return {static_cast<Compression>(raw[5]), get_u64le(raw + 8)};
}

using Sink = std::function<void(const char *, size_t)>;

struct DCtx {
    ZSTD_DCtx *ctx = ZSTD_createDCtx();
    ~DCtx() { ZSTD_freeDCtx(ctx); }
};

Fd open_blob(const std::string &path) {
    Fd fd = open_store_file(path, O_RDONLY);
    if (!fd)
        throw BlobCorrupt(errno_message("cannot open blob '" + path + "'", errno));
    return fd;
}

// Decompresses the blob open as `fd` (at its start) into `sink`; returns
// the digest of what was produced. Throws BlobCorrupt when the file is
// malformed, or the size does not match its header.
std::string decompress(int fd, const std::string &path, const Sink &sink) {
    Header header = read_header(fd, path);
    Sha256 hash;
    uint64_t produced = 0;
    auto emit = [&](const char *data, size_t size) {
        produced += size;
        if (produced > header.size)
            throw BlobCorrupt("blob '" + path + "' is longer than its header says");
        hash.update(data, size);
        sink(data, size);
    };
    auto in = std::make_unique_for_overwrite<char[]>(io_block);
    const size_t out_size = ZSTD_DStreamOutSize();
    auto out = std::make_unique_for_overwrite<char[]>(out_size);
    DCtx dctx;
    bool frame_done = false;
    for (;;) {
        ssize_t n = read_some(fd, in.get(), io_block);
        if (n < 0)
            throw BlobCorrupt(errno_message("cannot read blob '" + path + "'", errno));
        if (n == 0)
            break;
        if (header.compression == Compression::none) {
            emit(in.get(), static_cast<size_t>(n));
            continue;
        }
        ZSTD_inBuffer input{in.get(), static_cast<size_t>(n), 0};
        for (;;) {
            // A full output buffer may leave data inside the decoder: call
            // again until it both consumed the input and had room to spare.
            ZSTD_outBuffer output{out.get(), out_size, 0};
            size_t ret = ZSTD_decompressStream(dctx.ctx, &output, &input);
            if (ZSTD_isError(ret))
                throw BlobCorrupt("blob '" + path +
                                  "' cannot be decompressed: " + ZSTD_getErrorName(ret));
            emit(out.get(), output.pos);
            if (ret == 0) {
                if (frame_done || input.pos < input.size)
                    throw BlobCorrupt("blob '" + path + "' has data after its end");
                frame_done = true;
                break;
            }
            if (input.pos == input.size && output.pos < out_size)
                break;
        }
    }
    if (header.compression == Compression::zstd && !frame_done)
        throw BlobCorrupt("blob '" + path + "' is truncated");
    if (produced != header.size)
        throw BlobCorrupt("blob '" + path + "' is truncated");
    return hash.finish_hex();
}

std::string decompress(const std::string &path, const Sink &sink) {
    return decompress(open_blob(path).get(), path, sink);
}

} // namespace

std::string BlobStore::path_of(const std::string &digest) const {
    return root_ + "/objects/" + digest.substr(0, 2) + "/" + digest.substr(2);
}

bool BlobStore::contains(const std::string &digest) const {
    struct stat st;
    return ::stat(path_of(digest).c_str(), &st) == 0;
}

namespace {

struct Bytes {
    std::unique_ptr<char[]> data;
    size_t size = 0;
};

// The whole content of a blob that fits in memory, decompressed in one call
// (no streaming context, no window buffer: most blobs are small logs).
// nullopt when it is too large for that. Throws BlobCorrupt.
std::optional<Bytes> read_in_memory(const std::string &path, uint64_t limit = in_memory_limit) {
    Fd fd = open_store_file(path, O_RDONLY);
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0)
        throw BlobCorrupt(errno_message("cannot open blob '" + path + "'", errno));
    Header header = read_header(fd.get(), path);
    if (header.size > limit)
        return std::nullopt;
    size_t stored = st.st_size > off_t(blob_header_size) ? st.st_size - blob_header_size : 0;
    auto raw = std::make_unique_for_overwrite<char[]>(stored + 1);
    size_t got = 0;
    while (got < stored) {
        ssize_t n = read_some(fd.get(), raw.get() + got, stored - got);
        if (n <= 0)
            throw BlobCorrupt("blob '" + path + "' is truncated");
        got += static_cast<size_t>(n);
    }
    Bytes bytes;
    bytes.size = header.size;
    if (header.compression == Compression::none) {
        if (stored != header.size)
            throw BlobCorrupt("blob '" + path + "' is truncated");
        bytes.data = std::move(raw);
        return bytes;
    }
    bytes.data = std::make_unique_for_overwrite<char[]>(header.size + 1);
    size_t n = ZSTD_decompress(bytes.data.get(), header.size, raw.get(), stored);
    if (ZSTD_isError(n) || n != header.size)
        throw BlobCorrupt("blob '" + path + "' cannot be decompressed" +
                          (ZSTD_isError(n) ? std::string(": ") + ZSTD_getErrorName(n) : ""));
    return bytes;
}

} // namespace

void BlobStore::read(const std::string &digest, const Sink &sink) const {
    std::string path = path_of(digest);
    if (auto bytes = read_in_memory(path)) {
        if (sha256_hex({bytes->data.get(), bytes->size}) != digest)
            throw BlobCorrupt("blob '" + path + "' does not match its digest");
        sink(bytes->data.get(), bytes->size);
        return;
    }
    // Too large for memory: a first pass checks, a second one streams. Both
    // read one open file (a blob renamed over meanwhile is the same bytes);
    // the second is checked too, and throws, after the fact, should the file
    // have been written to in between.
    Fd fd = open_blob(path);
    if (decompress(fd.get(), path, [](const char *, size_t) {}) != digest)
        throw BlobCorrupt("blob '" + path + "' does not match its digest");
    if (::lseek(fd.get(), 0, SEEK_SET) != 0)
        throw BlobCorrupt(errno_message("cannot read blob '" + path + "'", errno));
    if (decompress(fd.get(), path, sink) != digest)
        throw BlobCorrupt("blob '" + path + "' changed while it was read");
}

std::string BlobStore::read_all(const std::string &digest) const {
    std::string out;
    read(digest, [&](const char *p, size_t n) { out.append(p, n); });
    return out;
}

std::string BlobStore::read_unverified(const std::string &digest, const Sink &sink) const {
    std::string path = path_of(digest);
    // A small blob (most outputs: an object file, a result) in one call;
    // a large one streams, so that restoring on several threads stays small.
    if (auto bytes = read_in_memory(path, 1 << 20)) {
        sink(bytes->data.get(), bytes->size);
        return sha256_hex({bytes->data.get(), bytes->size});
    }
    return decompress(path, sink);
}

std::string BlobStore::content_digest(const std::string &digest) const {
    return decompress(path_of(digest), [](const char *, size_t) {});
}

struct BlobWriter::Zstd {
    ZSTD_CCtx *ctx = ZSTD_createCCtx();
    std::vector<char> out = std::vector<char>(ZSTD_CStreamOutSize());
    ~Zstd() { ZSTD_freeCCtx(ctx); }
};

BlobWriter::BlobWriter(const BlobStore &store) : store_(store), tmp_(store.root() + "/tmp/blob") {
    share_new_file(tmp_.fd());
    test_hook("blob-temp-created");
}

BlobWriter::~BlobWriter() = default;

void BlobWriter::write_header(Compression compression, uint64_t size) {
    unsigned char header[blob_header_size] = {};
    std::memcpy(header, blob_magic, 4);
    header[4] = blob_format_version;
    header[5] = static_cast<uint8_t>(compression);
    put_u64le(header + 8, size);
    if (::pwrite(tmp_.fd(), header, sizeof header, 0) != static_cast<ssize_t>(sizeof header))
        throw Error(errno_message("cannot write '" + tmp_.path() + "'", errno));
}

namespace {

// The compressed size of `data` when compressing it saves enough to be worth
// decompressing on every read; nullopt when it does not.
std::optional<std::string> worth_compressing(const std::string &data, int level) {
    std::string compressed(ZSTD_compressBound(data.size()), '\0');
    size_t n = ZSTD_compress(compressed.data(), compressed.size(), data.data(), data.size(), level);
    if (ZSTD_isError(n) || n >= data.size() - data.size() / 8)
        return std::nullopt;
    compressed.resize(n);
    return compressed;
}

} // namespace

// The first small_blob_limit bytes decide for the whole blob: content that
// does not compress there (random or already compressed data) is streamed
// raw, which costs no compression at all; content that does is compressed
// by zstd's own worker thread, while this one hashes and writes.
void BlobWriter::start_stream() {
    std::string pending = std::move(small_);
    small_.clear();
    raw_ = !worth_compressing(pending, store_.compression_level());
    write_header(raw_ ? Compression::none : Compression::zstd, 0); // the size: at commit()
    if (::lseek(tmp_.fd(), blob_header_size, SEEK_SET) < 0)
        throw Error(errno_message("cannot write '" + tmp_.path() + "'", errno));
    zstd_ = std::make_unique<Zstd>();
    if (!raw_) {
        ZSTD_CCtx_setParameter(zstd_->ctx, ZSTD_c_compressionLevel, store_.compression_level());
        // Ignored (an error code) by a libzstd built without threads.
        ZSTD_CCtx_setParameter(zstd_->ctx, ZSTD_c_nbWorkers, 1);
    }
    test_hook("blob-streaming");
    write_stream(pending.data(), pending.size(), false);
    test_hook("blob-chunk-written");
}

void BlobWriter::write_stream(const void *data, size_t size, bool end) {
    if (raw_) {
        if (!write_all(tmp_.fd(), data, size))
            throw Error(errno_message("cannot write '" + tmp_.path() + "'", errno));
        return;
    }
    ZSTD_inBuffer input{data, size, 0};
    for (;;) {
        ZSTD_outBuffer output{zstd_->out.data(), zstd_->out.size(), 0};
        size_t left =
            ZSTD_compressStream2(zstd_->ctx, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left))
            throw Error(std::string("compression failed: ") + ZSTD_getErrorName(left));
        if (!write_all(tmp_.fd(), zstd_->out.data(), output.pos))
            throw Error(errno_message("cannot write '" + tmp_.path() + "'", errno));
        if (end ? left == 0 : input.pos == input.size)
            return;
    }
}

void BlobWriter::write(const char *data, size_t size) {
    hash_.update(data, size);
    size_ += size;
    if (!zstd_) {
        // The first small_blob_limit bytes are held: all of a small blob,
        // and the sample that decides how to store a large one.
        size_t take = std::min(size, small_blob_limit - small_.size());
        small_.append(data, take);
        data += take;
        size -= take;
        if (size == 0)
            return;
        start_stream();
    }
    write_stream(data, size, false);
}

// A small blob is compressed in one call, or kept raw when that saves little,
// so that reading it back needs no decompression at all.
void BlobWriter::write_small() {
    auto compressed = worth_compressing(small_, store_.compression_level());
    const std::string &payload = compressed ? *compressed : small_;
    write_header(compressed ? Compression::zstd : Compression::none, size_);
    test_hook("blob-header-written");
    if (::pwrite(tmp_.fd(), payload.data(), payload.size(), blob_header_size) !=
        static_cast<ssize_t>(payload.size()))
        throw Error(errno_message("cannot write '" + tmp_.path() + "'", errno));
}

std::string BlobWriter::commit() {
    if (zstd_) {
        write_stream(nullptr, 0, true);
        test_hook("blob-stream-ended");
        write_header(raw_ ? Compression::none : Compression::zstd, size_);
    } else {
        write_small();
    }
    test_hook("blob-written");
    std::string digest = hash_.finish_hex();
    std::string target = store_.path_of(digest);
    // Renaming over an existing blob is fine: same name, same content, and it
    // repairs a copy that was damaged. The renamed file carries the mtime of
    // this write, which gc's grace period relies on (see gc.hpp).
    commit_store_file(tmp_, target, "blob-rename");
    test_hook("blob-renamed");
    return digest;
}

std::optional<uint64_t> blob_content_size(const std::string &path) {
    Fd fd = open_store_file(path, O_RDONLY);
    if (!fd)
        return std::nullopt;
    try {
        return read_header(fd.get(), path).size;
    } catch (const BlobCorrupt &) {
        return std::nullopt;
    }
}

std::string store_file(const BlobStore &store, const std::string &path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw Error(errno_message("cannot read '" + path + "'", errno));
    BlobWriter writer(store);
    auto buffer = std::make_unique_for_overwrite<char[]>(io_block);
    for (;;) {
        ssize_t n = read_some(fd.get(), buffer.get(), io_block);
        if (n < 0)
            throw Error(errno_message("cannot read '" + path + "'", errno));
        if (n == 0)
            break;
        writer.write(buffer.get(), static_cast<size_t>(n));
    }
    return writer.commit();
}

} // namespace fleche::store
