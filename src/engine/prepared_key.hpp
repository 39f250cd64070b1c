// An invocation reduced to its key, ready for lookup and for running: the
// single path through which run, digest and has compute keys.
#pragma once

#include "engine/run_options.hpp"
#include "key/key_record.hpp"
#include "key/tool.hpp"
#include "store/stat_cache.hpp"
#include "store/store.hpp"
#include "util/fd.hpp"

#include <string>

namespace fleche::engine {

struct PreparedKey {
    key::Tool tool;
    key::KeyRecord record;
    std::string encoded; // record.encode()
    std::string key;     // SHA-256 of encoded; empty when unhashable
    // Why no key can stand for the invocation (an input that cannot be
    // hashed): it must run uncached. Empty when there is a key.
    std::string unhashable;
    Fd stdin_copy; // with --stdin: what was read, for CMD to read again

    std::string short_key() const { return key.substr(0, 8); }
};

// Throws Error: 125 for a bad output path, 126/127 for a CMD that cannot run.
// `hasher` may remember digests in the store.
PreparedKey prepare_key(const key::Invocation &invocation, key::FileHasher &hasher);

// For commands that cannot do without a key: throws Error when there is none.
void require_key(const PreparedKey &key);

// Keys computed through a store's stat cache (or one in memory, without a
// store). The cache is the store's stat-cache file, not the index: computing
// a key opens no SQLite. What it learns is written once the key is computed;
// the hasher lives on for the check of the inputs after a run.
class StoreHasher {
  public:
    explicit StoreHasher(store::Store *store)
        : cache_(store ? store->dir() : std::string()), hasher_(&cache_) {}
    StoreHasher(const StoreHasher &) = delete;
    StoreHasher &operator=(const StoreHasher &) = delete;

    // `remember`: write what was learnt (not with FLECHE_READONLY).
    PreparedKey prepare(const key::Invocation &invocation, bool remember) {
        PreparedKey key = prepare_key(invocation, hasher_);
        if (remember)
            cache_.flush();
        return key;
    }
    key::FileHasher &hasher() { return hasher_; }
    // Writes what was learnt since (the inputs of a traced run, hashed
    // after it; files a path-set match hashed again).
    void remember() { cache_.flush(); }

  private:
    store::StatCache cache_;
    key::FileHasher hasher_;
};

} // namespace fleche::engine
