// The stat cache: digests of files remembered by their stat in the index
// (table stat_cache), so that an unchanged input or tool is not read again on
// the next run. Lookups go to the index; what is learnt is kept in memory and
// written in one transaction by flush(), never on a warm hit.
#pragma once

#include "key/file_hasher.hpp"
#include "store/store.hpp"

#include <map>
#include <utility>

namespace fleche::store {

class StatCache : public key::DigestCache {
  public:
    // Without a store it only remembers for this process. The store's index
    // is opened at the first lookup, not before (a hit on a command without
    // inputs, whose tool is not hashed, opens none).
    explicit StatCache(Store *store) : store_(store) {}

    std::optional<std::string> find(const std::string &path, const key::FileStamp &stamp) override;
    void remember(const std::string &path, const key::FileStamp &stamp,
                  const std::string &digest) override;
    // Best effort: a store that cannot be written only loses the speed-up.
    void flush() noexcept;

  private:
    // nullptr without a store or once its index could not be opened.
    Index *index();

    Store *store_;
    std::map<std::string, std::pair<key::FileStamp, std::string>> learnt_;
    std::map<std::string, std::pair<key::FileStamp, std::string>> pending_;
};

} // namespace fleche::store
