#include "store/blob.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
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

// Decompresses the blob at `path` into `sink`; returns the digest of what was
// produced. Throws BlobCorrupt when the file is missing, malformed, or the
// size does not match its header.
std::string decompress(const std::string &path, const Sink &sink, uint64_t *declared = nullptr) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw BlobCorrupt(errno_message("cannot open blob '" + path + "'", errno));
    Header header = read_header(fd.get(), path);
    if (declared)
        *declared = header.size;
    Sha256 hash;
    uint64_t produced = 0;
    auto emit = [&](const char *data, size_t size) {
        produced += size;
        if (produced > header.size)
            throw BlobCorrupt("blob '" + path + "' is longer than its header says");
        hash.update(data, size);
        sink(data, size);
    };
    std::vector<char> in(io_block);
    std::vector<char> out(ZSTD_DStreamOutSize());
    DCtx dctx;
    bool frame_done = false;
    for (;;) {
        ssize_t n = read_some(fd.get(), in.data(), in.size());
        if (n < 0)
            throw BlobCorrupt(errno_message("cannot read blob '" + path + "'", errno));
        if (n == 0)
            break;
        if (header.compression == Compression::none) {
            emit(in.data(), static_cast<size_t>(n));
            continue;
        }
        ZSTD_inBuffer input{in.data(), static_cast<size_t>(n), 0};
        for (;;) {
            // A full output buffer may leave data inside the decoder: call
            // again until it both consumed the input and had room to spare.
            ZSTD_outBuffer output{out.data(), out.size(), 0};
            size_t ret = ZSTD_decompressStream(dctx.ctx, &output, &input);
            if (ZSTD_isError(ret))
                throw BlobCorrupt("blob '" + path + "' cannot be decompressed: " +
                                  ZSTD_getErrorName(ret));
            emit(out.data(), output.pos);
            if (ret == 0) {
                if (frame_done || input.pos < input.size)
                    throw BlobCorrupt("blob '" + path + "' has data after its end");
                frame_done = true;
                break;
            }
            if (input.pos == input.size && output.pos < output.size)
                break;
        }
    }
    if (header.compression == Compression::zstd && !frame_done)
        throw BlobCorrupt("blob '" + path + "' is truncated");
    if (produced != header.size)
        throw BlobCorrupt("blob '" + path + "' is truncated");
    return hash.finish_hex();
}

} // namespace

std::string BlobStore::path_of(const std::string &digest) const {
    return root_ + "/objects/" + digest.substr(0, 2) + "/" + digest.substr(2);
}

bool BlobStore::contains(const std::string &digest) const {
    struct stat st;
    return ::stat(path_of(digest).c_str(), &st) == 0;
}

void BlobStore::read(const std::string &digest, const Sink &sink) const {
    std::string path = path_of(digest);
    std::string data;
    uint64_t declared = 0;
    bool in_memory = true;
    std::string actual = decompress(
        path,
        [&](const char *p, size_t n) {
            if (in_memory && data.size() + n > in_memory_limit) {
                in_memory = false;
                std::string().swap(data);
            }
            if (in_memory)
                data.append(p, n);
        },
        &declared);
    if (actual != digest)
        throw BlobCorrupt("blob '" + path + "' does not match its digest");
    if (in_memory) {
        sink(data.data(), data.size());
        return;
    }
    decompress(path, sink);
}

std::string BlobStore::read_all(const std::string &digest) const {
    std::string out;
    read(digest, [&](const char *p, size_t n) { out.append(p, n); });
    return out;
}

std::string BlobStore::read_unverified(const std::string &digest, int fd) const {
    return decompress(path_of(digest), [&](const char *p, size_t n) {
        if (!write_all(fd, p, n))
            throw Error(errno_message("cannot write", errno));
    });
}

std::string BlobStore::content_digest(const std::string &digest) const {
    return decompress(path_of(digest), [](const char *, size_t) {});
}

struct BlobWriter::Zstd {
    ZSTD_CCtx *ctx = ZSTD_createCCtx();
    std::vector<char> out = std::vector<char>(ZSTD_CStreamOutSize());
    ~Zstd() { ZSTD_freeCCtx(ctx); }
};

BlobWriter::BlobWriter(const BlobStore &store) : store_(store), zstd_(std::make_unique<Zstd>()) {
    auto [path, fd] = make_temp_file(store.root() + "/tmp/blob");
    tmp_path_ = std::move(path);
    fd_ = std::move(fd);
    unsigned char header[blob_header_size] = {};
    std::memcpy(header, blob_magic, 4);
    header[4] = blob_format_version;
    header[5] = static_cast<uint8_t>(Compression::zstd);
    if (!write_all(fd_.get(), header, sizeof header))
        throw Error(errno_message("cannot write '" + tmp_path_ + "'", errno));
    ZSTD_CCtx_setParameter(zstd_->ctx, ZSTD_c_compressionLevel, store.compression_level());
}

BlobWriter::~BlobWriter() {
    if (!committed_ && !tmp_path_.empty())
        ::unlink(tmp_path_.c_str());
}

void BlobWriter::write_compressed(const void *data, size_t size, bool end) {
    ZSTD_inBuffer input{data, size, 0};
    for (;;) {
        ZSTD_outBuffer output{zstd_->out.data(), zstd_->out.size(), 0};
        size_t left = ZSTD_compressStream2(zstd_->ctx, &output, &input,
                                           end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left))
            throw Error(std::string("compression failed: ") + ZSTD_getErrorName(left));
        if (!write_all(fd_.get(), zstd_->out.data(), output.pos))
            throw Error(errno_message("cannot write '" + tmp_path_ + "'", errno));
        if (end ? left == 0 : input.pos == input.size)
            return;
    }
}

void BlobWriter::write(const char *data, size_t size) {
    hash_.update(data, size);
    size_ += size;
    write_compressed(data, size, false);
}

std::string BlobWriter::commit() {
    write_compressed(nullptr, 0, true);
    test_hook("blob-written");
    unsigned char size_field[8];
    put_u64le(size_field, size_);
    if (::pwrite(fd_.get(), size_field, 8, 8) != 8)
        throw Error(errno_message("cannot write '" + tmp_path_ + "'", errno));
    if (::close(fd_.release()) != 0)
        throw Error(errno_message("cannot write '" + tmp_path_ + "'", errno));
    std::string digest = hash_.finish_hex();
    std::string target = store_.path_of(digest);
    make_directories(target.substr(0, target.rfind('/')));
    // Renaming over an existing blob is fine: same name, same content, and it
    // repairs a copy that was damaged. The renamed file carries the mtime of
    // this write, which gc's grace period relies on (see gc.hpp).
    test_hook("blob-rename");
    if (::rename(tmp_path_.c_str(), target.c_str()) != 0)
        throw Error(errno_message("cannot store blob '" + target + "'", errno));
    committed_ = true;
    test_hook("blob-renamed");
    return digest;
}

std::string store_file(const BlobStore &store, const std::string &path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw Error(errno_message("cannot read '" + path + "'", errno));
    BlobWriter writer(store);
    std::vector<char> buffer(io_block);
    for (;;) {
        ssize_t n = read_some(fd.get(), buffer.data(), buffer.size());
        if (n < 0)
            throw Error(errno_message("cannot read '" + path + "'", errno));
        if (n == 0)
            break;
        writer.write(buffer.data(), static_cast<size_t>(n));
    }
    return writer.commit();
}

} // namespace fleche::store
