// A symbolic link planted in the store is never followed: a blob behind a
// linked shard is damaged (a miss), and no blob is written through the link
// (store_access.hpp). Likewise where the kernel has no openat2.
#include "scratch_dir.hpp"
#include "store/blob.hpp"
#include "store/store.hpp"
#include "util/beneath.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <iterator>

using namespace fleche;
using namespace fleche::store;

namespace fs = std::filesystem;

namespace {

std::string put(const Store &store, const std::string &content) {
    BlobWriter writer(store.blobs());
    writer.write(content.data(), content.size());
    return writer.commit();
}

void shard_link_is_not_followed() {
    ScratchDir dir;
    Store store((dir.path() / "store").string());
    std::string digest = put(store, "payload\n");
    fs::path shard = fs::path(store.blobs().path_of(digest)).parent_path();
    fs::path outside = dir.path() / "outside";
    fs::rename(shard, outside);
    fs::create_directory_symlink(outside, shard);
    CHECK_THROWS_AS(store.blobs().read_all(digest), BlobCorrupt);
    CHECK_THROWS_AS(put(store, "payload\n"), Error); // same digest: the linked shard
    CHECK(std::distance(fs::directory_iterator(outside), fs::directory_iterator()) == 1);
    CHECK(fs::is_empty(store.tmp_dir())); // the temporary file is gone too
}

} // namespace

TEST_CASE("a shard of the store that is a symbolic link is neither read nor written through") {
    shard_link_is_not_followed();
}

TEST_CASE("a linked shard is not followed without openat2 either") {
    open_beneath_without_openat2();
    shard_link_is_not_followed();
}
