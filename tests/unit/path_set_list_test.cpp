#include "store/path_set_list.hpp"

#include "util/sha256.hpp"

#include <doctest/doctest.h>

using namespace fleche::store;

namespace {

std::string hex_of(char c) {
    return std::string(64, c);
}

PathSetItem item_of(char k2, std::string path) {
    return {{{{std::move(path), PathState::Kind::content, hex_of('d')},
              {"a/h.h", PathState::Kind::missing, ""},
              {"/usr/include", PathState::Kind::directory, ""},
              {"data", PathState::Kind::listing, hex_of('e')}}},
            hex_of(k2)};
}

PathSetList sample_list() {
    return {hex_of('1'), {item_of('a', "b/h.h"), item_of('b', "x.c")}};
}

std::string resigned(std::string body) {
    return body + "sha256 " + fleche::sha256_hex(body) + "\n";
}

std::string body_of(const std::string &bytes) {
    return bytes.substr(0, bytes.size() - (7 + 64 + 1));
}

} // namespace

TEST_CASE("a path-set list round-trips") {
    PathSetList list = sample_list();
    std::string bytes = encode_path_set_list(list);
    CHECK(bytes.starts_with("fleche-path-sets 1\nkey " + hex_of('1') + "\nitem " + hex_of('a') +
                            " 4\npath 5:b/h.h content " + hex_of('d') +
                            "\npath 5:a/h.h missing\npath 12:/usr/include directory\n"));
    std::string why;
    auto decoded = decode_path_set_list(bytes, &why);
    REQUIRE_MESSAGE(decoded, why);
    CHECK(*decoded == list);
    PathSetList empty{hex_of('2'), {}};
    auto decoded_empty = decode_path_set_list(encode_path_set_list(empty));
    REQUIRE(decoded_empty);
    CHECK(*decoded_empty == empty);
}

TEST_CASE("a damaged path-set list is refused") {
    std::string bytes = encode_path_set_list(sample_list());
    std::string body = body_of(bytes);
    auto refused = [](const std::string &b, std::string expected = "") {
        std::string why;
        bool no = !decode_path_set_list(b, &why);
        if (!expected.empty())
            CHECK(why == expected);
        return no && !why.empty();
    };
    CHECK(refused(""));
    CHECK(refused("garbage\n"));
    CHECK(refused(bytes.substr(0, bytes.size() - 1)));
    std::string flipped = bytes;
    flipped[30] ^= 1;
    CHECK(refused(flipped, "checksum mismatch"));
    std::string v2 = body;
    v2.replace(0, 18, "fleche-path-sets 2");
    CHECK(refused(resigned(v2), "path-set list version 2, not 1"));
    std::string unknown = body;
    unknown.replace(unknown.find("missing"), 7, "mislaid");
    CHECK(refused(resigned(unknown), "an unknown path state"));
    std::string more = body;
    more.replace(more.find(" 4\n"), 3, " 9\n"); // claims more paths than follow
    CHECK(refused(resigned(more)));
    std::string digest = body;
    digest.replace(digest.find("directory"), 9, "directory " + hex_of('f'));
    CHECK(refused(resigned(digest)));
    CHECK(refused(resigned(body + "trailing\n")));
}

TEST_CASE("prepending puts the newest first, drops a same-K2 item and caps the list") {
    PathSetList list = sample_list();
    prepend_path_set(list, item_of('b', "new.c"));
    REQUIRE(list.items.size() == 2);
    CHECK(list.items[0] == item_of('b', "new.c"));
    CHECK(list.items[1] == item_of('a', "b/h.h"));

    PathSetList full{hex_of('1'), {}};
    for (size_t i = 0; i < max_path_sets + 5; ++i)
        prepend_path_set(full, {{{{"f" + std::to_string(i), PathState::Kind::missing, ""}}},
                                fleche::sha256_hex(std::to_string(i))});
    REQUIRE(full.items.size() == max_path_sets);
    CHECK(full.items.front().path_set.paths[0].path == "f" + std::to_string(max_path_sets + 4));
    CHECK(full.items.back().path_set.paths[0].path == "f5"); // f0..f4 dropped
}

#include "../unit/scratch_dir.hpp"
#include "store/local_storage.hpp"
#include "store/store.hpp"

#include <fstream>

TEST_CASE("local storage puts and gets a path-set list, and a damaged or absent one is none") {
    ScratchDir scratch;
    Store store((scratch.path() / "store").string());
    LocalStorage storage(store);
    PathSetList list = sample_list();
    CHECK_FALSE(storage.get_path_sets(list.key));
    storage.put_path_sets(list);
    auto got = storage.get_path_sets(list.key);
    REQUIRE(got);
    CHECK(*got == list);
    std::string path = storage.path_sets_path(list.key);
    CHECK(path == (scratch.path() / "store/path-sets/11").string() + "/" + std::string(62, '1'));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << "fleche-path-sets 1\nkey ";
    CHECK_FALSE(storage.get_path_sets(list.key));
    CHECK_FALSE(storage.get_path_sets("not a key"));
}
