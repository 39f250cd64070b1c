// The remote cache behind the local store: what a local miss fetches and
// what a stored run uploads, over one Transport (transport.hpp). Local
// first: nothing here runs on a local hit, and nothing connects before the
// first request (the transport and any TLS context are made then).
//
// What the server holds, for a key K (an untraced key, or a traced run's
// K2) and a traced key's K1:
//   ac/K        an ActionResult (action_result.hpp) whose reserved output
//               ".fleche/entry" names the CAS blob of K's remote record
//   ac/K1       one whose ".fleche/path-sets" names K1's path-set list
//   cas/<sha>   the remote records (remote_record.hpp: the entry file or
//               the path-set list, signed when a key is configured), the
//               log blobs and output blobs, each named by its SHA-256
// Blobs go up before the records that name them and the ActionResult last,
// so that a reader never finds an ac/ value whose blobs were never sent;
// any of them may still vanish (servers evict), which is a miss.
//
// Everything fetched is verified before the local store takes it: every
// blob against its name, the record's signature (with a signing key), the
// entry against its key (store::decode_entry_of). Then the ordinary local
// code stores it, and the next lookup is a local hit.
//
// Never fail, never stall: a failing server costs one timeout, then a
// cooldown stamp in the store (cooldown.hpp) makes every fleche process
// skip it for the cooldown, with one warning per cooldown. Every failure is
// a miss or a skipped upload, never a failed command.
#pragma once

#include "remote/cooldown.hpp"
#include "remote/remote_config.hpp"
#include "remote/transport.hpp"
#include "store/counters.hpp"
#include "store/entry.hpp"
#include "store/path_set_list.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace fleche::remote {

// What one process moved, for -v and `fleche stats`.
using RemoteCounts = store::RemoteCounters;

class RemoteCache {
  public:
    RemoteCache(RemoteConfig config, store::Store &store, bool verbose);
    ~RemoteCache();
    RemoteCache(const RemoteCache &) = delete;
    RemoteCache &operator=(const RemoteCache &) = delete;

    // Why an entry found remotely would not be replayed (expired, a failure
    // not cached), or empty: checked before its blobs are downloaded.
    using Acceptance = std::function<std::string(const store::Entry &)>;

    // Fetches the entry of `key` and its blobs into the local store. True
    // when the local store holds it now; otherwise `why` says why not (for
    // -v). Never throws.
    bool fetch_entry(const std::string &key, const Acceptance &accept, std::string &why) noexcept;
    // Fetches traced key `k1`'s path-set list and merges it into the local
    // one (local items first). True when the local list gained an item.
    // The caller holds k1's key lock. Never throws.
    bool fetch_path_sets(const std::string &k1, std::string &why) noexcept;

    // Uploads a stored entry (and, for a traced run, K1's list), unless read
    // only or skipped; within the upload deadline. Never throws.
    void upload(const store::Entry &entry, const store::PathSetList *list) noexcept;

    // Whether the server has ac/<key> (has, explain). nullopt: it could not
    // say (skipped, or failing). Never throws.
    std::optional<bool> has(const std::string &key) noexcept;

    // A check of the configuration end to end, for `fleche remote check`:
    // each step's line, in order; false when one failed.
    bool check(const std::function<void(bool ok, const std::string &line)> &report);

    std::string describe() const;
    const RemoteCounts &counts() const { return counts_; }
    // Adds what this process moved to the store's counters (`fleche
    // stats`), once: a process that met the remote opens the index anyway.
    void count(const std::string &key) noexcept;
    bool read_only() const { return config_.read_only; }

  private:
    Transport &transport();
    // False while a cooldown is running (or another process probes).
    bool usable();
    // The server answered: a probe after a cooldown ends it.
    void answered();
    // A failed request: a cooldown when the server is down or refuses us,
    // with one warning per cooldown. Returns `reply`'s detail for -v.
    std::string failed(const Reply &reply, const std::string &what);
    std::optional<std::string> get_small(const std::string &name, uint64_t limit, std::string &why);
    std::optional<std::string> get_record(const std::string &key, const char *reserved,
                                          std::string &why);
    bool fetch_blob(const std::string &digest, std::string &why);
    bool put_blob(const std::string &digest, uint64_t size, bool check_first);
    bool put_bytes(const std::string &name, const std::string &bytes);
    // `entry`: the entry whose record this is; nullptr for a path-set list.
    bool put_record(const std::string &key, const std::string &record_bytes,
                    const store::Entry *entry);
    bool before_deadline();

    RemoteConfig config_;
    store::Store &store_;
    bool verbose_;
    std::unique_ptr<Transport> transport_;
    RemoteCounts counts_;
    Cooldown cooldown_;
    bool checked_ = false;         // usable() read the stamp
    bool down_ = false;            // this process gave up on the server
    bool uploads_refused_ = false; // a 403 on upload: read-only from then on
    int64_t deadline_ns_ = 0;      // of the upload in progress
};

} // namespace fleche::remote
