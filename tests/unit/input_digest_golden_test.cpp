// Golden vectors for the directory digest (key/input_digest.hpp): a change to
// its encoding changes every key with a directory input, so it must be on
// purpose. The expected digests were computed independently with Python's
// hashlib from the encoding the header documents:
//   sha256(b"".join(f"{type} {digest} {len(name)}:{name}\n" for sorted entries))
#include "key/input_digest.hpp"
#include "scratch_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

using namespace fleche::key;

namespace {

// a (file), l -> a (symlink), run.sh (executable), sub/b (empty file in a
// directory), "z z" (a name with a space, content with a newline).
void make_tree(ScratchDir &dir) {
    dir.write("tree/a", "hello\n");
    REQUIRE(::symlink("a", "tree/l") == 0);
    dir.write("tree/run.sh", "#!/bin/sh\n");
    REQUIRE(::chmod("tree/run.sh", 0755) == 0);
    dir.write("tree/sub/b", "");
    dir.write("tree/z z", "two\nlines");
}

const char *const tree_digest = "c7617b68b98e024539cadc9556d4ce04d65df043c6da76f221bb1d8f91df08ad";
const char *const sub_digest = "35c41b3da41ff1fd09cafcecf0945223324927f59473fb15ef3c2147b8b8f799";

// The one input `spec` reduces to.
InputDigest digest_input(const std::string &spec, FileHasher &hasher) {
    DigestedInputs digested = digest_inputs({spec}, false, hasher);
    REQUIRE(digested.unhashable.empty());
    REQUIRE(digested.inputs.size() == 1);
    return digested.inputs[0];
}

std::string digest_directory(const std::string &path, FileHasher &hasher) {
    InputDigest input = digest_input(path, hasher);
    REQUIRE(input.kind == InputKind::directory);
    return input.digest;
}

} // namespace

TEST_CASE("the directory digest follows its documented encoding") {
    ScratchDir dir;
    make_tree(dir);
    FileHasher hasher;
    CHECK(digest_directory("tree/sub", hasher) == sub_digest);
    CHECK(digest_directory("tree", hasher) == tree_digest);
    InputDigest input = digest_input("tree", hasher);
    CHECK(input.kind == InputKind::directory);
    CHECK(input.digest == tree_digest);
}

TEST_CASE("an empty directory digests to the hash of nothing") {
    ScratchDir dir;
    REQUIRE(::mkdir("empty", 0755) == 0);
    FileHasher hasher;
    CHECK(digest_directory("empty", hasher) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("what changes the directory digest and what does not") {
    ScratchDir dir;
    make_tree(dir);
    FileHasher hasher;
    REQUIRE(::chmod("tree/sub/b", 0755) == 0); // the exec bit counts
    CHECK(digest_directory("tree", hasher) != tree_digest);
    REQUIRE(::chmod("tree/sub/b", 0644) == 0);
    CHECK(digest_directory("tree", hasher) == tree_digest);
    REQUIRE(::unlink("tree/l") == 0); // a link's target text counts
    REQUIRE(::symlink("sub", "tree/l") == 0);
    CHECK(digest_directory("tree", hasher) != tree_digest);
}

TEST_CASE("declared inputs are files, executables, links or missing") {
    ScratchDir dir;
    make_tree(dir);
    FileHasher hasher;
    InputDigest file = digest_input("tree/a", hasher);
    CHECK(file.kind == InputKind::file);
    CHECK(file.digest == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    CHECK(digest_input("tree/run.sh", hasher).kind == InputKind::executable);
    // Followed: the link to a is a's content.
    InputDigest link = digest_input("tree/l", hasher);
    CHECK(link.kind == InputKind::file);
    CHECK(link.digest == file.digest);
    REQUIRE(::symlink("nowhere", "dangling") == 0);
    CHECK(digest_input("dangling", hasher).kind == InputKind::symlink);
    InputDigest missing = digest_input("no/such/file", hasher);
    CHECK(missing.kind == InputKind::missing);
    CHECK(missing.digest.empty());
}

TEST_CASE("a FIFO inside a directory leaves the directory without a digest") {
    ScratchDir dir;
    make_tree(dir);
    REQUIRE(::mkfifo("tree/p", 0644) == 0);
    FileHasher hasher;
    DigestedInputs digested = digest_inputs({"tree"}, false, hasher);
    CHECK(digested.unhashable.find("tree/p") != std::string::npos);
}
