#include "store/index_open.hpp"

#include "store/store_access.hpp"

#include "store/key_lock.hpp"
#include "store/layout.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <optional>
#include <sqlite3.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::store {

namespace {

constexpr const char *aside_infix = ".damaged-";
constexpr int lock_notice_ms = 1000;

bool exists(const std::string &path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

std::string index_path(const std::string &store_dir) {
    return store_dir + "/index.sqlite";
}

std::string utc_stamp() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
    return text;
}

// A new index of a shared store gets the store's mode (store_access.hpp):
// SQLite would create it 0644, which the group cannot write.
void create_shared(const std::string &path) {
    if (store_umask() && open_store_file(path, O_RDWR | O_CREAT))
        test_hook("index-file-shared");
}

// What SQLite would follow, and must not: a symbolic link at the index's
// -wal or -shm (store_access.hpp). Empty when there is none.
std::string planted_link(const std::string &path) {
    for (const char *suffix : {"-wal", "-shm"}) {
        struct stat st;
        if (::lstat((path + suffix).c_str(), &st) == 0 && S_ISLNK(st.st_mode))
            return "the index '" + path + suffix +
                   "' is a symbolic link, which fleche never follows in the store";
    }
    return "";
}

// The index at `path` if it exists and is sound; nullopt when it is missing;
// `why` says what is wrong with a damaged one (a symbolic link included: it
// is moved aside, never opened). Creates nothing.
std::unique_ptr<Index> open_existing(const std::string &path, std::string *why) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0)
        return nullptr;
    std::string link = S_ISLNK(st.st_mode) ? "the index '" + path +
                                                 "' is a symbolic link, which fleche never "
                                                 "follows in the store"
                                           : planted_link(path);
    if (!link.empty()) {
        if (why)
            *why = link;
        return nullptr;
    }
    try {
        return std::make_unique<Index>(path, false);
    } catch (const IndexDamaged &e) {
        if (why)
            *why = e.what();
    } catch (const DatabaseError &e) {
        if (e.code() != SQLITE_CANTOPEN || exists(path))
            throw; // removed meanwhile: missing
    }
    return nullptr;
}

// Moves the index and its -wal and -shm aside, after deleting the ones moved
// aside before. The -wal and -shm go first: an index at the path must never
// sit beside the WAL of another database. Returns the new name.
std::string move_aside(const std::string &store_dir) {
    std::string path = index_path(store_dir);
    std::string_view index_name = "index.sqlite";
    for (const auto &name : directory_entries(store_dir))
        if (name.starts_with(index_name) && name.substr(index_name.size()).starts_with(aside_infix))
            ::unlink((store_dir + "/" + name).c_str());
    test_hook("index-aside-removed");
    std::string aside = path + aside_infix + utc_stamp();
    for (const char *suffix : {"-wal", "-shm", ""}) {
        if (std::string_view(suffix) == "-shm")
            test_hook("index-wal-moved"); // the -shm still beside the index
        if (!*suffix)
            test_hook("index-wal-aside");
        if (::rename((path + suffix).c_str(), (aside + suffix).c_str()) != 0 && errno != ENOENT)
            throw Error(errno_message("cannot move the damaged index '" + path + suffix + "' aside",
                                      errno));
    }
    test_hook("index-moved-aside");
    return aside;
}

// Builds a new index from the entries under a temporary name, then renames it
// to the (missing) index path. Returns the number of entries.
std::string rebuild_path(const std::string &store_dir) {
    return store_dir + "/tmp/index.sqlite.rebuild";
}

// What a killed rebuild left (only the lock holder rebuilds).
void remove_killed_rebuild(const std::string &store_dir) {
    for (const char *suffix : {"", "-wal", "-shm"})
        ::unlink((rebuild_path(store_dir) + suffix).c_str());
}

size_t rebuild_in_place(const std::string &store_dir, const ForEachEntry &for_each_entry) {
    std::string temp = rebuild_path(store_dir);
    size_t count = 0;
    {
        create_shared(temp);
        Index fresh(temp);
        count = rebuild_index(fresh, for_each_entry ? for_each_entry
                                                    : ForEachEntry([](const EntryVisitor &) {}));
        fresh.checkpoint();
    }
    test_hook("index-rebuild-checkpointed");
    // Nothing of the WAL is left to carry: the new index must arrive alone.
    ::unlink((temp + "-wal").c_str());
    ::unlink((temp + "-shm").c_str());
    test_hook("index-rebuilt");
    if (::rename(temp.c_str(), index_path(store_dir).c_str()) != 0)
        throw Error(
            errno_message("cannot rename the rebuilt index '" + temp + "' into place", errno));
    test_hook("index-replaced");
    return count;
}

std::string entries_phrase(size_t count) {
    return std::to_string(count) + (count == 1 ? " entry" : " entries");
}

// The 0.1 store's entries become entry files; then the layout file says so.
// Never fails: what cannot be written is run again when next needed.
void migrate(const std::string &store_dir, Index &index, const EntryVisitor &write_entry) {
    try {
        Migration migration = migrate_index_to_entries(index, write_entry);
        if (migration.failed)
            warn("could not migrate " + entries_phrase(migration.failed) + " of the 0.1 store '" +
                 store_dir + "' to entry files (" + migration.first_error +
                 "); they run again when next needed");
        test_hook("migrate-layout");
        write_layout_version(store_dir);
    } catch (const std::exception &e) {
        warn("could not migrate the 0.1 store '" + store_dir + "' to entry files (" + e.what() +
             "); it is used as it is and migrated on a later run");
    }
}

// Moves the damaged index aside (none when `why` is empty: it is missing),
// rebuilds it and says so. Call with the lock held.
std::unique_ptr<Index> replace_index(const std::string &store_dir, const EntrySource &source,
                                     const std::string &why) {
    std::string path = index_path(store_dir);
    std::string aside = why.empty() ? "" : move_aside(store_dir);
    size_t count = rebuild_in_place(store_dir, source.for_each_entry);
    std::string what = why.empty() ? "the index '" + path + "' was missing"
                                   : why + "; moved it to '" + aside + "'";
    warn(what + (why.empty() ? "; rebuilt it" : " and rebuilt it") + " from " +
         entries_phrase(count) +
         " (hit counts and the counters of `fleche stats` start again from zero)");
    return std::make_unique<Index>(path, false);
}

// open_index once the lock is held; `index` is the sound index found before
// locking, if any.
std::unique_ptr<Index> open_locked(const std::string &store_dir, const EntrySource &source,
                                   std::unique_ptr<Index> index) {
    std::string path = index_path(store_dir);
    // Again under the lock: another process may have repaired or migrated
    // the store meanwhile.
    std::optional<int> layout = read_layout_version(store_dir);
    bool fresh = false;
    test_hook("index-lock-taken");
    remove_killed_rebuild(store_dir);
    test_hook("index-leftover-removed");
    if (!index) {
        std::string why;
        index = open_existing(path, &why);
        if (!index && why.empty() && !layout) {
            create_shared(path);
            index = std::make_unique<Index>(path, true); // a new store
            fresh = true;
            test_hook("index-created");
        } else if (!index) {
            index = replace_index(store_dir, source, why);
            fresh = true;
        }
    }
    if (!layout && source.write_entry) {
        if (fresh) {
            try {
                write_layout_version(store_dir);
            } catch (const Error &e) {
                warn(std::string(e.what()) + "; the store is used as it is");
            }
        } else {
            migrate(store_dir, *index, source.write_entry);
        }
    }
    return index;
}

// The lock of whoever creates, moves or rebuilds the index.
class IndexLock {
  public:
    explicit IndexLock(const std::string &store_dir)
        : path_(store_dir + "/locks/index"), lock_(path_, lock_notice_ms, [] {
              say("waiting for another fleche that is repairing the index");
          }) {}
    // Removed while held, as gc would remove it (a waiter then locks again,
    // see KeyLock): the lock is taken rarely and leaves nothing behind.
    ~IndexLock() {
        ::unlink(path_.c_str());
        test_hook("index-lock-released");
    }
    IndexLock(const IndexLock &) = delete;
    IndexLock &operator=(const IndexLock &) = delete;

  private:
    std::string path_;
    KeyLock lock_;
};

} // namespace

std::unique_ptr<Index> rebuild_damaged_index(const std::string &store_dir,
                                             const EntrySource &source, const std::string &why) {
    IndexLock lock(store_dir);
    remove_killed_rebuild(store_dir);
    return replace_index(store_dir, source, why);
}

std::unique_ptr<Index> open_index(const std::string &store_dir, const EntrySource &source) {
    std::optional<int> layout = read_layout_version(store_dir);
    if (layout && *layout > store_layout_version)
        throw Error("the store '" + store_dir + "' has layout version " + std::to_string(*layout) +
                    ", newer than this fleche understands (" +
                    std::to_string(store_layout_version) +
                    "); use a newer fleche or set FLECHE_DIR to another store");
    std::unique_ptr<Index> index = open_existing(index_path(store_dir), nullptr);
    if (index && (layout || !source.write_entry))
        return index;
    IndexLock lock(store_dir);
    return open_locked(store_dir, source, std::move(index));
}

} // namespace fleche::store
