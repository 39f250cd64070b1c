#include "store/store.hpp"

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
    make_directories(dir + "/entries", 0700);
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
    : dir_(dir), blobs_(prepared(dir), compression_level), entries_(dir) {}

Store::Store(const std::string &dir, ReadOnly)
    : dir_(dir), readonly_(true), blobs_(dir), entries_(dir) {}

Index &Store::index() {
    if (!index_) {
        std::string path = dir_ + "/index.sqlite";
        index_ =
            readonly_ ? std::make_unique<Index>(path, ReadOnly{}) : std::make_unique<Index>(path);
    }
    return *index_;
}

Index *Store::try_index() noexcept {
    try {
        return &index();
    } catch (const std::exception &) {
        return nullptr;
    }
}

void remove_entry(Store &store, const std::string &key) {
    store.entries().remove(key);
    store.index().remove(key);
}

} // namespace fleche::store
