// fleche has: exit 0 when run would replay a stored result, 1 when not.
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "engine/expiry.hpp"
#include "engine/lookup.hpp"
#include "engine/uncached.hpp"
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
using engine::open_store;
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
    PreparedKey key = StoreHasher(&store).prepare(options.invocation, !options.readonly);
    if (!key.unhashable.empty()) {
        warn(key.unhashable + "; run would not use the cache");
        return 1;
    }
    store::LocalStorage storage(store);
    Lookup lookup = find_entry(storage, key, options.cache_failures);
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
    return sub;
}

} // namespace fleche::cli
