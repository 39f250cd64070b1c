#include "scratch_dir.hpp"
#include "store/entry_file.hpp"
#include "store/local_storage.hpp"
#include "store/path_set_list.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

using namespace fleche;
using namespace fleche::store;

namespace {

Entry entry_of(const std::string &record) {
    Entry e;
    e.key_record = record;
    e.key = sha256_hex(record);
    e.log_blob = std::string(64, 'b');
    e.name = "true";
    return e;
}

} // namespace

TEST_CASE("entry files are written, read back, walked and removed") {
    ScratchDir dir;
    Store store("store");
    const EntryFiles &files = store.entries();
    Entry a = entry_of("fleche-key 1\nargv 1:a\n"), b = entry_of("fleche-key 1\nargv 1:b\n");
    files.write(a);
    files.write(b);
    CHECK(files.path_of(a.key) == "store/entries/" + a.key.substr(0, 2) + "/" + a.key.substr(2));
    EntryRead read = files.read(a.key);
    REQUIRE(read.entry);
    CHECK(read.entry->key_record == a.key_record);
    CHECK(read.damage.empty());
    std::vector<std::string> keys;
    files.for_each_key([&](const std::string &key) { keys.push_back(key); });
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> want{a.key, b.key};
    std::sort(want.begin(), want.end());
    CHECK(keys == want);
    CHECK(std::filesystem::is_empty("store/tmp"));
    CHECK(files.remove(a.key));
    CHECK(!files.remove(a.key));
    read = files.read(a.key);
    CHECK(!read.entry);
    CHECK(read.damage.empty()); // absent: a plain miss
}

TEST_CASE("an entry file is verified against its name and its key record") {
    ScratchDir dir;
    Store store("store");
    const EntryFiles &files = store.entries();
    Entry a = entry_of("fleche-key 1\nargv 1:a\n"), b = entry_of("fleche-key 1\nargv 1:b\n");
    files.write(a);
    files.write(b);
    SUBCASE("the entry of another key") {
        std::filesystem::copy_file(files.path_of(b.key), files.path_of(a.key),
                                   std::filesystem::copy_options::overwrite_existing);
        EntryRead read = files.read(a.key);
        CHECK(!read.entry);
        CHECK(read.damage.find("another key") != std::string::npos);
    }
    SUBCASE("a key that is not the record's") {
        Entry forged = b;
        forged.key = a.key; // well-formed and signed, but not SHA-256 of its record
        files.write(forged);
        EntryRead read = files.read(a.key);
        CHECK(!read.entry);
        CHECK(read.damage.find("key record") != std::string::npos);
    }
    SUBCASE("a traced entry whose path set is not its key's") {
        Entry traced = entry_of("fleche-key 1\nargv 1:t\n");
        traced.path_sets = {{{{"in/h.h", PathState::Kind::content, std::string(64, 'd')},
                              {"gone", PathState::Kind::missing, ""}}}};
        traced.key = traced_entry_key(sha256_hex(traced.key_record), traced.path_sets.front());
        files.write(traced);
        REQUIRE(files.read(traced.key).entry);
        Entry forged = traced; // a path set swapped for another, re-signed
        forged.path_sets.front().paths.front().digest = std::string(64, 'e');
        files.write(forged);
        EntryRead read = files.read(traced.key);
        CHECK(!read.entry);
        CHECK(read.damage.find("key record") != std::string::npos);
    }
    SUBCASE("a symlink is not followed") {
        std::filesystem::remove(files.path_of(a.key));
        std::filesystem::create_symlink(std::filesystem::absolute(files.path_of(b.key)),
                                        files.path_of(a.key));
        CHECK(!files.read(a.key).entry);
        CHECK(!files.read(a.key).damage.empty());
    }
}

TEST_CASE("local storage puts a blob only when its content has its digest") {
    ScratchDir dir;
    Store store("store");
    LocalStorage storage(store);
    std::string content = "some content";
    std::string digest = sha256_hex(content);
    auto source = [&](const BlobSink &sink) { sink(content.data(), content.size()); };
    CHECK_THROWS_AS(storage.put_blob(std::string(64, 'a'), source), BlobCorrupt);
    CHECK(!storage.has_blob(std::string(64, 'a')));
    storage.put_blob(digest, source);
    CHECK(storage.has_blob(digest));
    std::string got;
    storage.get_blob(digest, [&](const char *p, size_t n) { got.append(p, n); });
    CHECK(got == content);
}

TEST_CASE("local storage gets an entry without opening the index") {
    ScratchDir dir;
    Entry a = entry_of("fleche-key 1\nargv 1:a\n");
    {
        Store store("store");
        LocalStorage(store).put_entry(a);
        CHECK(std::filesystem::exists("store/index.sqlite"));
    }
    std::filesystem::remove("store/index.sqlite");
    std::filesystem::remove("store/index.sqlite-wal");
    std::filesystem::remove("store/index.sqlite-shm");
    Store store("store");
    LocalStorage storage(store);
    CHECK(storage.has_entry(a.key));
    CHECK(storage.get_entry(a.key).entry);
    CHECK(!std::filesystem::exists("store/index.sqlite"));
}
