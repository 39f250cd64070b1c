#include "random_bytes.hpp"
#include "scratch_dir.hpp"
#include "store/blob.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <fstream>
#include <functional>

using namespace fleche;
using namespace fleche::store;

namespace {

std::string write_blob(const BlobStore &blobs, const std::string &content) {
    BlobWriter writer(blobs);
    writer.write(content.data(), content.size());
    return writer.commit();
}

void flip_byte(const std::string &path, off_t offset) {
    Fd fd(::open(path.c_str(), O_RDWR));
    char c;
    REQUIRE(::pread(fd.get(), &c, 1, offset) == 1);
    c = static_cast<char>(c ^ 0x01);
    REQUIRE(::pwrite(fd.get(), &c, 1, offset) == 1);
}

} // namespace

TEST_CASE("a blob is named by the SHA-256 of its content and reads back exactly") {
    ScratchDir dir;
    Store store(dir.path().string() + "/store");
    for (std::string content : {std::string(), std::string("hello\n"), random_bytes(3 << 20),
                                std::string(5 << 20, 'x')}) {
        std::string digest = write_blob(store.blobs(), content);
        CHECK(digest == sha256_hex(content));
        CHECK(store.blobs().read_all(digest) == content);
        CHECK(std::filesystem::exists(store.blobs().path_of(digest)));
    }
    CHECK(std::filesystem::is_empty(dir.path() / "store/tmp"));
}

// What no compression can shrink is not fed through zstd (it would cost as
// much CPU as producing it); what compresses still is, large or small.
TEST_CASE("a large blob that does not compress is stored raw, one that does is compressed") {
    ScratchDir dir;
    Store store(dir.path().string() + "/store");
    std::string text;
    for (int i = 0; text.size() < (4 << 20); ++i)
        text += "line " + std::to_string(i) + "\n";
    std::string random = random_bytes(4 << 20);
    for (const auto &[content, compressed] : {std::pair{text, true}, std::pair{random, false}}) {
        std::string digest = write_blob(store.blobs(), content);
        std::string file = read_file(store.blobs().path_of(digest));
        REQUIRE(file.size() > blob_header_size);
        CHECK(file[5] == char(compressed ? Compression::zstd : Compression::none));
        if (compressed)
            CHECK(file.size() < content.size() / 2);
        else
            CHECK(file.size() == content.size() + blob_header_size);
        CHECK(store.blobs().read_all(digest) == content);
    }
}

TEST_CASE("a damaged blob is reported, never returned") {
    ScratchDir dir;
    Store store(dir.path().string() + "/store");
    // streamed raw, streamed and compressed, small and compressed, small and stored raw
    for (std::string content : {random_bytes(100000), std::string(100000, 'x') + "y",
                                std::string(3000, 'x') + "y", random_bytes(1000)}) {
        std::string digest = write_blob(store.blobs(), content);
        std::string path = store.blobs().path_of(digest);
        std::string good = read_file(path);
        auto size = static_cast<off_t>(good.size());
        auto damage = [&](const std::function<void()> &how) {
            how();
            std::string seen;
            CHECK_THROWS_AS(
                store.blobs().read(digest, [&](const char *p, size_t n) { seen.append(p, n); }),
                BlobCorrupt);
            CHECK(seen.empty());
            std::filesystem::remove(path);
            std::ofstream(path, std::ios::binary) << good;
            CHECK(store.blobs().read_all(digest) == content);
        };
        damage([&] { flip_byte(path, size - 3); });
        damage([&] { flip_byte(path, 20); });
        damage([&] { flip_byte(path, 0); });
        damage([&] { flip_byte(path, 8); }); // the size field
        damage([&] { std::filesystem::resize_file(path, size - 1); });
        damage([&] { std::filesystem::resize_file(path, 10); });
        damage([&] { std::filesystem::remove(path); });
    }
}

TEST_CASE("an abandoned writer leaves nothing behind") {
    ScratchDir dir;
    Store store(dir.path().string() + "/store");
    {
        BlobWriter writer(store.blobs());
        writer.write("partial", 7);
    }
    CHECK(std::filesystem::is_empty(dir.path() / "store/tmp"));
}

TEST_CASE("a damaged blob is a store error: fleche::Error with the store's exit status") {
    // The rule of util/error.hpp: run degrades on any fleche::Error from the
    // store; anything else reaching main is an internal error.
    ScratchDir dir;
    Store store(dir.path().string() + "/store");
    std::string digest = write_blob(store.blobs(), "content\n");
    std::filesystem::remove(store.blobs().path_of(digest));
    try {
        store.blobs().read_all(digest);
        FAIL("a missing blob was read");
    } catch (const Error &e) {
        CHECK(e.status() == exit_failure);
        CHECK(dynamic_cast<const BlobCorrupt *>(&e) != nullptr);
    }
}
