// The local store (store.hpp) as a Storage: entry files under entries/, blobs
// under objects/, and the index kept in step on put. A get reads the entry
// file and blobs only: it opens no index.
#pragma once

#include "store/storage.hpp"
#include "store/store.hpp"

namespace fleche::store {

class LocalStorage : public Storage {
  public:
    explicit LocalStorage(Store &store) : store_(store) {}

    EntryRead get_entry(const std::string &key) noexcept override;
    // The entry file, then the index row (Index::put, which counts the
    // run as stored). An index that cannot be written is warned about once
    // and the entry kept: hits work from the file, and a rebuild of the
    // index catches up. Throws Error when the entry file cannot be written.
    void put_entry(const Entry &entry) override;
    bool has_entry(const std::string &key) noexcept override;

    void get_blob(const std::string &digest, const BlobSink &sink) override;
    void put_blob(const std::string &digest, const BlobSource &source) override;
    bool has_blob(const std::string &digest) noexcept override;

    // path-sets/ab/<the other 62 hex digits of K1>, written as entry files are.
    std::optional<PathSetList> get_path_sets(const std::string &k1) noexcept override;
    void put_path_sets(const PathSetList &list) override;
    std::string path_sets_path(const std::string &k1) const;

  private:
    Store &store_;
};

} // namespace fleche::store
