#include "store/store.hpp"

#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <cstdlib>
#include <fcntl.h>

namespace fleche::store {

namespace {

std::string env(const char *name) {
    const char *value = std::getenv(name);
    return value ? value : "";
}

// With the store's modes (store_access.hpp). A shared index is created here
// with them: SQLite would create it 0644, which the group cannot write.
const std::string &prepared(const std::string &dir) {
    for (const char *sub : {"", "/objects", "/tmp", "/locks"})
        make_store_directories(dir + sub);
    if (store_umask())
        open_store_file(dir + "/index.sqlite", O_RDWR | O_CREAT);
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
    : dir_(dir), blobs_(prepared(dir), compression_level), index_(dir + "/index.sqlite") {}

Store::Store(const std::string &dir, ReadOnly)
    : dir_(dir), blobs_(dir), index_(dir + "/index.sqlite", ReadOnly{}) {}

} // namespace fleche::store
