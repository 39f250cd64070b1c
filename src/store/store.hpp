// The local store: $FLECHE_DIR, else $XDG_CACHE_HOME/fleche, else
// ~/.cache/fleche (created mode 0700, or shared: see store_access.hpp), holding
//   format         the layout version (see layout.hpp)
//   entries/       one entry file per key, the truth (see entries.hpp)
//   stat-cache     digests of files by their stat (see stat_cache_file.hpp)
//   objects/       blobs (see blob.hpp)
//   index.sqlite   the index for query, stats, gc and LRU, derived from the
//                  entries and written after them (see index.hpp): a
//                  damaged one is moved aside to index.sqlite.damaged-<UTC
//                  time> and rebuilt from the entries (see index_open.hpp)
//   tmp/           writes in progress
//   locks/         one lock file per key being computed (see key_lock.hpp)
//   hits.log       hits not yet folded into the index (see hit_log.hpp)
//
// A hit reads an entry file and its blobs (through LocalStorage,
// local_storage.hpp) and nothing else: the index is opened on first use of
// index(), which a hit never makes.
#pragma once

#include "store/blob.hpp"
#include "store/entries.hpp"
#include "store/index.hpp"
#include "store/index_open.hpp"

#include <memory>
#include <string>

namespace fleche::store {

// Where the store lives, from the environment. Throws Error when neither
// FLECHE_DIR, XDG_CACHE_HOME nor HOME is set.
std::string store_directory();

// The index file in the store directory.
inline constexpr const char *index_file_name = "index.sqlite";

class Store {
  public:
    // Creates the layout if needed. Throws Error.
    explicit Store(const std::string &dir, int compression_level = 1);
    // Opens an existing store without creating or writing anything.
    Store(const std::string &dir, ReadOnly);

    const std::string &dir() const { return dir_; }
    // Opens the index on first use, repairing or migrating it (open_index;
    // read-only: never). Throws Error, and again on each call after a failure.
    Index &index();
    // The index, or nullptr when it cannot be opened: for what is only worth
    // doing with one (counting a miss). Never throws.
    Index *try_index() noexcept;
    const BlobStore &blobs() const { return blobs_; }
    const EntryFiles &entries() const { return entries_; }
    std::string tmp_dir() const { return dir_ + "/tmp"; }
    std::string lock_path(const std::string &key) const { return dir_ + "/locks/" + key; }

    // Replaces an index found damaged after it was opened (verify --repair):
    // moved aside and rebuilt, with a warning that gives `why`. Throws Error.
    void rebuild_damaged_index(const std::string &why);

  private:
    // Where the rebuild and the migration find the entries.
    EntrySource entry_source() const;

    std::string dir_;
    bool readonly_ = false;
    BlobStore blobs_;
    EntryFiles entries_;
    std::unique_ptr<Index> index_;
};

// Removes an entry: its file first (so that no hit replays it from then
// on), then its rows in the index. Its blobs stay until gc finds them
// unused. Throws Error when the index cannot be written (the entry is
// gone from hits already).
void remove_entry(Store &store, const std::string &key);

} // namespace fleche::store
