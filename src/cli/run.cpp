// fleche run: replay a stored result, or run CMD and store it.
#include "cli/closest.hpp"
#include "cli/commands.hpp"
#include "cli/expiry.hpp"
#include "cli/labels.hpp"
#include "cli/configure.hpp"
#include "cli/direct_exec.hpp"
#include "cli/lookup.hpp"
#include "cli/record_run.hpp"
#include "store/counters.hpp"
#include "store/hit_log.hpp"
#include "store/key_lock.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace fleche::cli {

namespace {

constexpr const char *damaged_entry = "the stored entry is damaged";

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

// Replays the stored entry if there is a usable one; returns the stored exit
// code then. A damaged entry is a miss (with a warning), never a wrong replay.
std::optional<int> try_hit(store::Store &store, const PreparedKey &key, const RunOptions &options,
                           std::string &miss_reason) {
    int64_t started_ns = now_ns();
    Lookup lookup = find_entry(store.index(), key, options.cache_failures);
    if (!lookup.entry) {
        miss_reason = lookup.miss_reason;
        return std::nullopt;
    }
    const store::Entry &entry = *lookup.entry;
    Freshness fresh = freshness(entry, options, started_ns);
    if (fresh == Freshness::expired) {
        miss_reason = expiry_reason(entry, options, started_ns);
        return std::nullopt;
    }
    try {
        replay_entry(store.blobs(), entry);
    } catch (const std::exception &e) {
        warn(std::string(e.what()) + "; running the command again");
        miss_reason = damaged_entry;
        store::try_bump_counters(store.index().database(), entry.name, key.key, {.errors = 1});
        return std::nullopt;
    }
    if (fresh == Freshness::stale)
        refresh_in_background(key, options);
    int64_t now = now_ns();
    if (options.verbose)
        say("hit " + key.short_key() + ": replayed the run of " +
            format_duration(now - entry.stopped_ns) + " ago that took " +
            format_duration(entry.wall_ns()));
    if (options.readonly)
        return entry.exit_code; // not even the hit log is written
    store::HitLog hits(store.dir());
    hits.append(key.key, now, now - process_start_ns());
    if (hits.large()) {
        try {
            hits.fold(store.index());
        } catch (const Error &) {
            // counts catch up at the next fold
        }
    }
    return entry.exit_code;
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

// Looks up, waits for an identical run, looks up again. Returns the exit
// status of a hit, or nullopt when CMD must run (with `store` cleared when
// the result cannot be stored). Throws Error when the store fails.
std::optional<int> replay_or_lock(store::Store *&store, const PreparedKey &key,
                                  const RunOptions &options,
                                  std::optional<store::KeyLock> &lock) {
    std::string reason = "--refresh";
    if (!options.refresh)
        if (auto status = try_hit(*store, key, options, reason))
            return status;
    if (options.readonly) {
        if (options.verbose)
            say("miss " + key.short_key() + ": " + reason + " (FLECHE_READONLY: not storing)");
        store = nullptr;
        return std::nullopt;
    }
    lock = lock_key(*store, key);
    if (!lock) {
        store = nullptr;
        return std::nullopt;
    }
    // The identical run we may have waited for has stored its result. A
    // damaged entry is not read twice: one warning, one error counted.
    if (!options.refresh && reason != damaged_entry)
        if (auto status = try_hit(*store, key, options, reason))
            return status;
    if (options.verbose && reason == nothing_stored)
        reason = one_line_reason(store->index(), key,
                                 entry_labels(options, key.record.argv[0]).name);
    if (options.verbose)
        say("miss " + key.short_key() + ": " + reason);
    return std::nullopt;
}

int run(RunOptions &options, const config::Config &config) {
    resolve_labels(options);
    if (auto refresh_key = take_refresh_key())
        return run_background_refresh(options, config, *refresh_key);
    // The store comes first: its stat cache spares reading unchanged files.
    auto opened = options.no_store ? nullptr : try_open_store(config, options.readonly);
    store::Store *store = opened.get();
    StoreHasher hashing(store);
    PreparedKey key = hashing.prepare(options.invocation, !options.readonly);
    if (options.verbose && options.no_store)
        say("miss " + key.short_key() + ": --no-store");
    std::optional<store::KeyLock> lock;
    if (store) {
        try {
            if (auto status = replay_or_lock(store, key, options, lock))
                return *status;
        } catch (const Error &e) {
            warn(std::string(e.what()) + "; running without the cache");
            store = nullptr;
        }
    }
    return run_and_record(store, key, options, hashing.hasher());
}

} // namespace

Subcommand add_run(CLI::App &app, const CommandWords &command) {
    auto *sub = app.add_subcommand("run", "Replay the stored result of CMD, or run it and store it");
    sub->footer("Usage: fleche run [OPTIONS] -- CMD [ARGS...]\n");
    auto options = std::make_shared<RunOptions>();
    add_key_options(*sub, *options);
    add_run_options(*sub, *options);
    return {sub, [options, &command] {
                options->invocation.argv = command;
                if (disabled_by_environment())
                    return exec_directly(command);
                config::Config config = config::load();
                configure(*options, config);
                return run(*options, config);
            }};
}

} // namespace fleche::cli
