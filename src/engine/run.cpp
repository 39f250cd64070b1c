#include "engine/run.hpp"

#include "engine/closest.hpp"
#include "engine/configure.hpp"
#include "engine/direct_exec.hpp"
#include "engine/expiry.hpp"
#include "engine/labels.hpp"
#include "engine/lookup.hpp"
#include "engine/record_run.hpp"
#include "engine/traced_lookup.hpp"
#include "engine/uncached.hpp"
#include "exec/spawn.hpp"
#include "remote/remote_cache.hpp"
#include "store/counters.hpp"
#include "store/hit_log.hpp"
#include "store/key_lock.hpp"
#include "store/local_storage.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <memory>

namespace fleche::engine {

namespace {

// An identical run in progress is waited for; this long before saying so.
constexpr int lock_notice_ms = 1000;

std::unique_ptr<store::Store> try_open_store(const config::Config &config, bool readonly) {
    try {
        return open_store(config, readonly);
    } catch (const Error &e) {
        warn(std::string(e.what()) + "; running without the cache");
        return nullptr;
    }
}

// What the lookups of one invocation have seen: the look-up after waiting for
// the lock must not warn about, or count, the damage the first one reported.
struct Lookups {
    std::string miss_reason = "--refresh"; // why the last one missed, for -v
    std::optional<store::Entry> damaged;   // the entry that failed to replay
    std::string damaged_file;              // what was wrong with a damaged entry file
};

bool same_entry(const store::Entry &a, const store::Entry &b) {
    return a.log_blob == b.log_blob && a.stopped_ns == b.stopped_ns;
}

void count_error(store::Store &store, const std::string &name, const std::string &key) {
    if (store::Index *index = store.try_index()) // a miss path: it may open the index
        store::try_bump_counters(*index, name, key, {.errors = 1});
}

// A damaged entry file is a miss with one warning, however often it is read.
bool report_damaged_file(store::Store &store, const PreparedKey &key, const RunOptions &options,
                         const Lookup &lookup, Lookups &seen) {
    if (lookup.damage.empty())
        return false;
    if (seen.damaged_file != lookup.damage) {
        warn(lookup.damage + "; running the command again");
        count_error(store, entry_labels(options, key.record.argv[0]).name, key.key);
    }
    seen.damaged_file = lookup.damage;
    seen.miss_reason = lookup.miss_reason;
    return true;
}

// The hit log is folded into the index by a storing run, gc and stats; a
// store that only ever hits would let it grow, so a hit that finds it large
// leaves the fold to a detached `fleche gc --fold-hits` (which finds the same
// store: same working directory, environment and configuration) and never
// opens the index itself.
void fold_hits_detached() {
    exec::spawn_detached("/proc/self/exe", {"fleche", "gc", "--fold-hits"});
}

// Replays the stored entry if there is a usable one; returns the stored exit
// code then. A damaged entry is a miss (with a warning), never a wrong
// replay. Reads the entry file and its blobs: opens no index.
std::optional<int> try_hit(store::Store &store, const PreparedKey &key, const RunOptions &options,
                           Lookups &seen, StoreHasher &hashing) {
    int64_t started_ns = now_ns();
    store::LocalStorage storage(store);
    std::string which; // of a traced key: which path set matched, for -v
    Lookup lookup;
    if (!options.invocation.trace) {
        lookup = find_entry(storage, key, options.cache_failures);
    } else {
        PathSetMatch match =
            match_path_sets(storage, key, path_keying(options.invocation), hashing.hasher());
        if (!options.readonly)
            hashing.remember(); // what the match had to hash again
        if (!match.entry_key) {
            seen.miss_reason = match.miss_reason;
            return std::nullopt;
        }
        which = " (path set " + std::to_string(match.position) + ", entry " +
                match.entry_key->substr(0, 8) + ")";
        lookup = find_traced_entry(storage, key, options.cache_failures, match);
    }
    if (report_damaged_file(store, key, options, lookup, seen))
        return std::nullopt;
    if (!lookup.entry) {
        seen.miss_reason = lookup.miss_reason;
        return std::nullopt;
    }
    const store::Entry &entry = *lookup.entry;
    Freshness fresh = freshness(entry, options, started_ns);
    if (fresh == Freshness::expired) {
        seen.miss_reason = expiry_reason(entry, options, started_ns);
        return std::nullopt;
    }
    if (seen.damaged && same_entry(*seen.damaged, entry))
        return std::nullopt; // reported already; nobody has replaced it since
    Replay replay;
    try {
        replay = replay_entry(store.blobs(), entry);
    } catch (const std::exception &e) {
        warn(std::string(e.what()) + "; running the command again");
        seen.miss_reason = damaged_entry;
        seen.damaged = entry;
        count_error(store, entry.name, key.key);
        return std::nullopt;
    }
    if (!replay.replayed) {
        seen.miss_reason = merged_log_elsewhere;
        return std::nullopt;
    }
    if (fresh == Freshness::stale)
        refresh_in_background(key, options);
    int64_t now = now_ns();
    if (options.verbose)
        say("hit " + key.short_key() + which + ": replayed the run of " +
            format_duration(now - entry.stopped_ns) + " ago that took " +
            format_duration(entry.wall_ns()));
    if (options.readonly)
        return replay.status; // not even the hit log is written
    store::HitLog hits(store.dir());
    hits.append(entry.key, now, now - process_start_ns());
    if (hits.large())
        fold_hits_detached();
    return replay.status;
}

// Why an entry found on the remote would not be replayed here, or empty.
std::string remote_refusal(const store::Entry &entry, const RunOptions &options) {
    if (entry.exit_code != 0 && !options.cache_failures)
        return "is of a run that exited with " + std::to_string(entry.exit_code) +
               " (replayed only with --cache-failures)";
    if (int64_t now = now_ns(); freshness(entry, options, now) == Freshness::expired)
        return expiry_reason(entry, options, now);
    return "";
}

// A local miss, under the key lock: what the remote cache has is fetched
// into the local store and replayed from there, as any local hit. For a
// traced key, K1's list comes first (merged into the local one), then the
// entry of the path set that matches here.
std::optional<int> try_remote(store::Store &store, const PreparedKey &key,
                              const RunOptions &options, Lookups &seen, StoreHasher &hashing,
                              remote::RemoteCache &remote) {
    std::string why;
    auto accept = [&](const store::Entry &entry) { return remote_refusal(entry, options); };
    bool fetched = false;
    if (!options.invocation.trace) {
        fetched = remote.fetch_entry(key.key, accept, why);
    } else {
        store::LocalStorage storage(store);
        remote.fetch_path_sets(key.key, why);
        PathSetMatch match =
            match_path_sets(storage, key, path_keying(options.invocation), hashing.hasher());
        if (!match.entry_key)
            why = match.miss_reason;
        else
            fetched = storage.has_entry(*match.entry_key) ||
                      remote.fetch_entry(*match.entry_key, accept, why);
    }
    if (!fetched) {
        seen.miss_reason += "; remote: " + why;
        return std::nullopt;
    }
    return try_hit(store, key, options, seen, hashing);
}

// Nothing can be stored without the lock (a read-only store, say): the caller
// then runs CMD uncached.
std::optional<store::KeyLock> lock_key(store::Store &store, const PreparedKey &key) {
    try {
        return std::make_optional<store::KeyLock>(store.lock_path(key.key), lock_notice_ms, [&] {
            say("waiting for an identical run to finish (key " + key.short_key() + ")");
        });
    } catch (const Error &e) {
        warn(std::string(e.what()) + "; running without the cache");
        return std::nullopt;
    }
}

// After waiting for the lock: the run we waited for has finished and left
// nothing that we can replay (it failed, or storing was refused). Ours would
// most likely store nothing either, and running it under the lock would make
// every other waiter wait for it in turn: it runs beside them, unstored.
// --refresh is asked to store whatever the other run did, so it never does.
bool run_beside_other_waiters(const store::KeyLock &lock, const RunOptions &options) {
    return !options.refresh && lock.waited() && lock.last_run_finished();
}

// Looks up, waits for an identical run, looks up again. Returns the exit
// status of a hit, or nullopt when CMD must run (with `store` cleared when
// the result cannot be stored, and `lock` held when it may be). Throws Error
// when the store fails.
std::optional<int> replay_or_lock(store::Store *&store, const PreparedKey &key,
                                  const RunOptions &options, std::optional<store::KeyLock> &lock,
                                  StoreHasher &hashing, const config::Config &config,
                                  std::optional<remote::RemoteCache> &remote) {
    Lookups seen;
    if (!options.refresh)
        if (auto status = try_hit(*store, key, options, seen, hashing))
            return status;
    if (options.readonly) {
        if (options.verbose)
            say("miss " + key.short_key() + ": " + seen.miss_reason +
                " (FLECHE_READONLY: not storing)");
        store = nullptr;
        return std::nullopt;
    }
    lock = lock_key(*store, key);
    if (!lock) {
        store = nullptr;
        return std::nullopt;
    }
    // The identical run we may have waited for has stored its result.
    if (!options.refresh)
        if (auto status = try_hit(*store, key, options, seen, hashing))
            return status;
    if (auto settings = configured_remote(options, config)) {
        remote.emplace(std::move(*settings), *store, options.verbose);
        if (!options.refresh && !(lock->waited() && lock->last_run_finished()))
            if (auto status = try_remote(*store, key, options, seen, hashing, *remote))
                return status;
    }
    std::string reason = seen.miss_reason;
    if (options.verbose && reason == nothing_stored)
        if (store::Index *index = store->try_index())
            reason = one_line_reason(*index, key, entry_labels(options, key.record.argv[0]).name);
    if (run_beside_other_waiters(*lock, options)) {
        if (options.verbose)
            say("miss " + key.short_key() + ": " + reason +
                " after the identical run we waited for; running CMD without storing");
        if (store::Index *index = store->try_index())
            store::try_bump_counters(*index, entry_labels(options, key.record.argv[0]).name,
                                     key.key, {.misses = 1});
        lock.reset();
        store = nullptr;
        return std::nullopt;
    }
    if (options.verbose)
        say("miss " + key.short_key() + ": " + reason);
    lock->run_started();
    return std::nullopt;
}

} // namespace

int run(RunOptions &options, const config::Config &config, const std::string &refresh_of) {
    resolve_labels(options);
    if (!refresh_of.empty())
        return run_background_refresh(options, config, refresh_of);
    // Before anything is hashed: hashing could consume what CMD is to read.
    // CMD then runs as it would without fleche (as with FLECHE_DISABLE).
    if (auto why = uncached_reason(options.invocation)) {
        if (options.verbose)
            say("miss: " + *why + "; running uncached");
        return exec_directly(options.invocation.argv);
    }
    // The store comes first: its stat cache spares reading unchanged files.
    auto opened = options.no_store ? nullptr : try_open_store(config, options.readonly);
    store::Store *store = opened.get();
    StoreHasher hashing(store);
    PreparedKey key = hashing.prepare(options.invocation, !options.readonly);
    if (!key.unhashable.empty()) {
        if (!options.no_store)
            warn(key.unhashable + "; running without the cache");
        return run_and_record(nullptr, key, options, hashing);
    }
    if (options.verbose && options.no_store)
        say("miss " + key.short_key() + ": --no-store");
    std::optional<store::KeyLock> lock;
    // Made on a local miss only; it connects on its first request.
    std::optional<remote::RemoteCache> remote;
    if (store) {
        try {
            if (auto status = replay_or_lock(store, key, options, lock, hashing, config, remote)) {
                if (remote)
                    remote->count(key.key);
                return *status;
            }
        } catch (const Error &e) {
            warn(std::string(e.what()) + "; running without the cache");
            store = nullptr;
        }
    }
    int status = run_and_record(store, key, options, hashing, remote ? &*remote : nullptr);
    if (remote)
        remote->count(key.key);
    if (lock)
        lock->run_finished();
    return status;
}

} // namespace fleche::engine
