// fleche has: exit 0 when run would replay a stored result, 1 when not (for
// a traced command: a path set matches and its entry would replay).
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "engine/expiry.hpp"
#include "engine/lookup.hpp"
#include "engine/traced_lookup.hpp"
#include "engine/uncached.hpp"
#include "remote/remote_cache.hpp"
#include "store/local_storage.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"

#include <memory>

namespace fleche::cli {

using engine::configure;
using engine::find_entry;
using engine::Freshness;
using engine::freshness;
using engine::Lookup;
using engine::match_path_sets;
using engine::open_store;
using engine::path_keying;
using engine::PathSetMatch;
using engine::PreparedKey;
using engine::replay_obstacle;
using engine::StoreHasher;
using engine::uncached_reason;

namespace {

int has(RunOptions &options, const config::Config &config) {
    if (options.no_store) // a rule's require_env is unset: run would not look up
        return 1;
    if (uncached_reason(options.invocation)) // run would neither look up nor store
        return 1;
    auto opened = open_store(config, options.readonly);
    if (!opened)
        return 1;
    store::Store &store = *opened;
    StoreHasher hasher(&store);
    PreparedKey key = hasher.prepare(options.invocation, !options.readonly);
    if (!key.unhashable.empty()) {
        warn(key.unhashable + "; run would not use the cache");
        return 1;
    }
    store::LocalStorage storage(store);
    Lookup lookup;
    if (key.record.trace) { // run looks up the entry that the matching path set names
        PathSetMatch match =
            match_path_sets(storage, key, path_keying(options.invocation), hasher.hasher());
        if (!match.entry_key)
            return 1;
        lookup = engine::find_traced_entry(storage, key, options.cache_failures, match);
    } else {
        lookup = find_entry(storage, key, options.cache_failures);
    }
    if (!lookup.entry && lookup.damage.empty() && !key.record.trace) {
        // run would fetch it (of a traced key, only fetching the path sets would tell)
        auto settings = engine::configured_remote(options, config);
        if (!settings)
            return 1;
        remote::RemoteCache remote(std::move(*settings), store, false);
        return remote.has(key.key).value_or(false) ? 0 : 1;
    }
    if (!lookup.entry || freshness(*lookup.entry, options, now_ns()) == Freshness::expired)
        return 1; // run would not replay it
    return replay_obstacle(store.blobs(), *lookup.entry).empty() ? 0 : 1;
}

} // namespace

Subcommand has_command(const CommandWords &command) {
    auto options = std::make_shared<RunOptions>();
    Subcommand sub{.name = "has",
                   .description = "Exit 0 when a result for CMD is stored, 1 when not",
                   .footer = "Usage: fleche has [OPTIONS] -- CMD [ARGS...]\n",
                   .takes_command = true,
                   .action = [options, &command] {
                       options->invocation.argv = command;
                       config::Config config = config::load();
                       configure(*options, config);
                       return has(*options, config);
                   }};
    add_key_options(sub.options, *options);
    add_ttl_option(sub.options, *options);
    add_remote_option(sub.options, *options);
    return sub;
}

} // namespace fleche::cli
