#include "store/store.hpp"

#include "store/index_open.hpp"
#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::store {

namespace {

std::string env(const char *name) {
    const char *value = std::getenv(name);
    return value ? value : "";
}

// With the store's modes (store_access.hpp). entries/ is made by the
// constructor, which needs to know whether it was there.
const std::string &prepared(const std::string &dir) {
    open_store_root(dir, true); // what follows resolves beneath it (store_access.hpp)
    for (const char *sub : {"/objects", "/tmp", "/locks"})
        make_store_directories(dir + sub);
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
    : dir_(dir), blobs_(prepared(dir), compression_level), entries_(dir) {
    // A 0.1 store has an index and no entries/: it is migrated now, before
    // the first lookup, so that its entries hit. The mkdir that every open
    // makes anyway tells, so an open of a current store pays nothing more.
    std::string entries = dir + "/entries";
    if (::mkdir(entries.c_str(), store_directory_mode()) != 0) {
        if (errno != EEXIST)
            make_store_directories(entries); // throws the error
        return;
    }
    struct stat st;
    if (store_umask() && ::lstat(entries.c_str(), &st) == 0) // past the user's umask
        ::chmod(entries.c_str(), store_directory_mode() | (st.st_mode & S_ISGID));
    test_hook("store-entries-made");
    if (::access((dir + "/index.sqlite").c_str(), F_OK) == 0)
        try_index(); // a failure is said when the index is next needed
}

// The rebuild reads the entry files (damaged ones are left out: they are
// misses anyway, and gc or verify --repair removes them); a 0.1 store is
// migrated to them.
EntrySource Store::entry_source() const {
    const EntryFiles *entries = &entries_;
    return {.for_each_entry =
                [entries](const EntryVisitor &visit) {
                    entries->for_each([&](const std::string &, const EntryRead &read) {
                        if (read.entry)
                            visit(*read.entry);
                    });
                },
            .write_entry = [entries](const Entry &entry) { entries->write(entry); }};
}

void Store::rebuild_damaged_index(const std::string &why) {
    index_.reset();
    index_ = store::rebuild_damaged_index(dir_, entry_source(), why);
}

// Never repairs: a damaged index makes the open fail (IndexDamaged), and the
// caller runs without it; nothing is moved.
Store::Store(const std::string &dir, ReadOnly)
    : dir_(dir), readonly_(true), blobs_(dir), entries_(dir) {
    open_store_root(dir, false);
}

// Opened, repaired or migrated (open_index) on first use: a hit makes none.
Index &Store::index() {
    if (!index_)
        index_ = readonly_ ? std::make_unique<Index>(dir_ + "/index.sqlite", ReadOnly{})
                           : open_index(dir_, entry_source());
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
    test_hook("rm-entry-removed");
    store.index().remove(key);
    test_hook("rm-index-removed");
}

} // namespace fleche::store
