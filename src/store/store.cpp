#include "store/store.hpp"

#include "store/index_open.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <cstdlib>

namespace fleche::store {

namespace {

std::string env(const char *name) {
    const char *value = std::getenv(name);
    return value ? value : "";
}

const std::string &prepared(const std::string &dir) {
    make_directories(dir, 0700);
    make_directories(dir + "/objects", 0700);
    make_directories(dir + "/tmp", 0700);
    make_directories(dir + "/locks", 0700);
    return dir;
}

} // namespace

std::string store_directory() {
    if (std::string dir = env("FLECHE_DIR"); !dir.empty())
        return dir;
    if (std::string cache = env("XDG_CACHE_HOME"); !cache.empty())
        return cache + "/fleche";
    if (std::string home = env("HOME"); !home.empty())
        return home + "/.cache/fleche";
    throw Error("no place for the store: set FLECHE_DIR (or XDG_CACHE_HOME or HOME)");
}

Store::Store(const std::string &dir, int compression_level)
    : dir_(dir), blobs_(prepared(dir), compression_level), index_(open_index(dir, entry_source())) {
}

// MERGE: with entry files, EntrySource{for_each_entry: EntryFiles::for_each,
// write_entry: EntryFiles::write}: the rebuild reads them, a 0.1 store is
// migrated to them. Empty until then: a rebuild starts empty.
EntrySource Store::entry_source() const {
    return {};
}

void Store::rebuild_damaged_index(const std::string &why) {
    index_.reset();
    index_ = store::rebuild_damaged_index(dir_, entry_source(), why);
}

// Never repairs: a damaged index makes the open fail (IndexDamaged), and the
// caller runs without it; nothing is moved.
Store::Store(const std::string &dir, ReadOnly)
    : dir_(dir), blobs_(dir), index_(std::make_unique<Index>(dir + "/index.sqlite", ReadOnly{})) {}

} // namespace fleche::store
