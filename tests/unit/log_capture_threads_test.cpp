// LogCapture records the output log on a worker thread behind a bounded
// queue (run under ThreadSanitizer by scripts/test.sh: suite "threads").
#include "engine/log_capture.hpp"
#include "random_bytes.hpp"
#include "scratch_dir.hpp"
#include "store/blob.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <random>
#include <sys/resource.h>

using namespace fleche;
using namespace fleche::store;

namespace {

struct Piece {
    Stream stream;
    std::string bytes;
};

// Pieces of both streams, of sizes from 1 byte to more than a queue buffer,
// text (compressible) and random (not).
std::vector<Piece> pieces(size_t total) {
    std::mt19937 rng(7);
    std::vector<Piece> out;
    size_t sum = 0;
    for (unsigned i = 0; sum < total; ++i) {
        size_t size = 1 + rng() % (3 * engine::LogCapture::buffer_size / 2);
        if (i % 5 == 0)
            size = 1 + rng() % 100;
        std::string bytes =
            i % 3 == 0 ? random_bytes(size, i) : std::string(size, char('a' + i % 26));
        out.push_back({i % 4 == 0 ? Stream::err : Stream::out, std::move(bytes)});
        sum += size;
    }
    return out;
}

// The log as the encoder makes it on one thread: what the worker must write.
std::string encoded(const std::vector<Piece> &log) {
    std::string out;
    LogEncoder encoder([&](const char *p, size_t n) { out.append(p, n); });
    for (const auto &piece : log)
        encoder.chunk(piece.stream, piece.bytes.data(), piece.bytes.size());
    encoder.finish();
    return out;
}

// The blobs of a store at `root`: only tmp/ must exist.
BlobStore blob_store(const std::filesystem::path &root) {
    std::filesystem::create_directories(root / "tmp");
    return BlobStore(root.string());
}

} // namespace

TEST_SUITE("threads") {
    TEST_CASE("a log recorded off the tee's thread is the log, in order, whatever its size") {
        ScratchDir dir;
        BlobStore blobs = blob_store(dir.path() / "store");
        // Below the inline limit (no worker), and well above the queue's
        // limit, so that the tee waits for the worker again and again.
        for (size_t total : {size_t(1000), 6 * engine::LogCapture::queue_limit}) {
            CAPTURE(total);
            auto log = pieces(total);
            engine::LogCapture capture(&blobs);
            for (const auto &piece : log)
                capture.chunk(piece.stream, piece.bytes.data(), piece.bytes.size());
            capture.finish();
            REQUIRE(capture.usable());
            std::string expected = encoded(log);
            CHECK(capture.writer().size() == expected.size());
            std::string digest = capture.writer().commit();
            CHECK(digest == sha256_hex(expected));
            CHECK(blobs.read_all(digest) == expected);
        }
        CHECK(std::filesystem::is_empty(dir.path() / "store/tmp"));
    }

    TEST_CASE("a store that fails stops the recording, never the tee") {
        ScratchDir dir;
        BlobStore blobs = blob_store(dir.path() / "store");
        // Files of fleche larger than 1 MiB cannot be written: a full disk.
        rlimit old{};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        auto *old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 1 << 20;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        {
            engine::LogCapture capture(&blobs);
            std::string block = random_bytes(engine::LogCapture::buffer_size);
            // Many times what the queue holds: the tee would wait forever
            // for a worker that stopped taking buffers.
            for (size_t sent = 0; sent < 8 * engine::LogCapture::queue_limit; sent += block.size())
                capture.chunk(Stream::out, block.data(), block.size());
            capture.finish();
            CHECK_FALSE(capture.usable());
        }
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
        CHECK(std::filesystem::is_empty(dir.path() / "store/tmp"));
    }

    TEST_CASE("a log that is not stored leaves nothing behind") {
        ScratchDir dir;
        BlobStore blobs = blob_store(dir.path() / "store");
        {
            engine::LogCapture capture(&blobs);
            std::string block = random_bytes(engine::LogCapture::buffer_size);
            for (int i = 0; i < 64; ++i)
                capture.chunk(Stream::out, block.data(), block.size());
        } // no finish(): the worker is stopped and joined
        CHECK(std::filesystem::is_empty(dir.path() / "store/tmp"));
    }
}
