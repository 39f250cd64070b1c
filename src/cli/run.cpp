// fleche run: replay a stored result, or run CMD and store it.
#include "cli/commands.hpp"
#include "cli/configure.hpp"
#include "cli/direct_exec.hpp"
#include "cli/lookup.hpp"
#include "cli/record_run.hpp"
#include "store/key_lock.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace fleche::cli {

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

// Replays the stored entry if there is a usable one; returns the stored exit
// code then. A damaged entry is a miss (with a warning), never a wrong replay.
std::optional<int> try_hit(store::Store &store, const PreparedKey &key, const RunOptions &options,
                           std::string &miss_reason) {
    Lookup lookup = find_entry(store.index(), key, options.cache_failures);
    if (!lookup.entry) {
        miss_reason = lookup.miss_reason;
        return std::nullopt;
    }
    const store::Entry &entry = *lookup.entry;
    try {
        replay_entry(store.blobs(), entry);
    } catch (const std::exception &e) {
        warn(std::string(e.what()) + "; running the command again");
        miss_reason = "the stored entry is damaged";
        return std::nullopt;
    }
    int64_t now = now_ns();
    if (options.verbose)
        say("hit " + key.short_key() + ": replayed the run of " +
            format_duration(now - entry.stopped_ns) + " ago that took " +
            format_duration(entry.wall_ns()));
    if (options.readonly)
        return entry.exit_code; // not even the hit counter is written
    try {
        store.index().record_hit(key.key, now);
    } catch (const Error &e) {
        warn(std::string("cannot record the hit: ") + e.what());
    }
    return entry.exit_code;
}

std::optional<store::KeyLock> lock_key(store::Store &store, const PreparedKey &key) {
    try {
        return std::make_optional<store::KeyLock>(store.lock_path(key.key), lock_notice_ms, [&] {
            say("waiting for an identical run to finish (key " + key.short_key() + ")");
        });
    } catch (const Error &e) {
        warn(std::string(e.what()) + "; running without waiting for identical runs");
        return std::nullopt;
    }
}

int run(RunOptions &options, const config::Config &config) {
    PreparedKey key = prepare_key(options.invocation);
    if (options.no_store) {
        if (options.verbose)
            say("miss " + key.short_key() + ": --no-store");
        return run_and_record(nullptr, key, options);
    }
    auto store = try_open_store(config, options.readonly);
    if (!store)
        return run_and_record(nullptr, key, options);
    if (options.readonly) {
        std::string reason;
        if (auto status = try_hit(*store, key, options, reason))
            return *status;
        if (options.verbose)
            say("miss " + key.short_key() + ": " + reason + " (FLECHE_READONLY: not storing)");
        return run_and_record(nullptr, key, options);
    }
    std::string reason = "--refresh";
    try {
        if (!options.refresh)
            if (auto status = try_hit(*store, key, options, reason))
                return *status;
        auto lock = lock_key(*store, key);
        // The identical run we may have waited for has stored its result.
        if (!options.refresh && lock)
            if (auto status = try_hit(*store, key, options, reason))
                return *status;
        if (options.verbose)
            say("miss " + key.short_key() + ": " + reason);
        return run_and_record(store.get(), key, options);
    } catch (const Error &e) {
        if (e.status() != exit_failure)
            throw; // CMD could not be started
        warn(std::string(e.what()) + "; running without the cache");
        return run_and_record(nullptr, key, options);
    }
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
