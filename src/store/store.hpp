// The local store: $FLECHE_DIR, else $XDG_CACHE_HOME/fleche, else
// ~/.cache/fleche (created mode 0700, or shared: see store_access.hpp), holding
//   index.sqlite   the index (see index.hpp)
//   objects/       blobs (see blob.hpp)
//   tmp/           writes in progress
//   locks/         one lock file per key being computed (see key_lock.hpp)
#pragma once

#include "store/blob.hpp"
#include "store/index.hpp"

#include <string>

namespace fleche::store {

// Where the store lives, from the environment. Throws Error when neither
// FLECHE_DIR, XDG_CACHE_HOME nor HOME is set.
std::string store_directory();

class Store {
  public:
    // Creates the layout if needed and opens the index. Throws Error.
    explicit Store(const std::string &dir, int compression_level = 1);
    // Opens an existing store without creating or writing anything. Throws Error.
    Store(const std::string &dir, ReadOnly);

    const std::string &dir() const { return dir_; }
    Index &index() { return index_; }
    const BlobStore &blobs() const { return blobs_; }
    std::string tmp_dir() const { return dir_ + "/tmp"; }
    std::string lock_path(const std::string &key) const { return dir_ + "/locks/" + key; }

  private:
    std::string dir_;
    BlobStore blobs_;
    Index index_;
};

} // namespace fleche::store
