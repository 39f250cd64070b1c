// fleche explain [run options] -- CMD: would run hit? If not, which stored
// entry is closest, and what differs, element by element; for a traced
// command, which path set matches, or what differs in the newest.
#include "cli/commands.hpp"
#include "cli/entry_view.hpp"
#include "cli/run_options.hpp"
#include "engine/closest.hpp"
#include "engine/configure.hpp"
#include "engine/expiry.hpp"
#include "engine/labels.hpp"
#include "engine/lookup.hpp"
#include "engine/traced_lookup.hpp"
#include "engine/uncached.hpp"
#include "remote/remote_cache.hpp"
#include "store/counters.hpp"
#include "store/key_prefix.hpp"
#include "store/local_storage.hpp"
#include "util/clock.hpp"
#include "util/text.hpp"

#include <cstdio>
#include <memory>

namespace fleche::cli {

using engine::configure;
using engine::entry_labels;
using engine::expiry_reason;
using engine::find_closest;
using engine::find_entry;
using engine::Freshness;
using engine::freshness;
using engine::Lookup;
using engine::match_path_sets;
using engine::nothing_stored;
using engine::open_configured_store;
using engine::path_keying;
using engine::PathSetMatch;
using engine::PreparedKey;
using engine::replay_obstacle;
using engine::require_key;
using engine::resolve_labels;
using engine::StoreHasher;
using engine::uncached_reason;

namespace {

// Prints the closest entry and the differences; false when there is none.
void print_closest(store::Index &index, const PreparedKey &key, const std::string &name) {
    auto closest = find_closest(index, key, name);
    if (!closest) {
        std::printf("no stored entry of %s or of %s to compare with\n", printable(name).c_str(),
                    printable(key.record.argv[0]).c_str());
        return;
    }
    std::printf("closest stored entry: %s (%s, %s ago)\n",
                store::short_key(index, closest->key).c_str(), printable(closest->name).c_str(),
                format_duration(now_ns() - closest->stopped_ns).c_str());
    if (closest->differences.empty())
        std::printf("  no difference in the key record (a different key format?)\n");
    for (const auto &difference : closest->differences)
        std::printf("  %s\n", printable(difference).c_str()); // names and paths as stored
}

// What the remote cache says of a local miss: true when run would fetch and
// replay an entry from it.
bool remote_has(remote::RemoteConfig settings, store::Store &store, const PreparedKey &key) {
    remote::RemoteCache remote(std::move(settings), store, false);
    std::optional<bool> there = remote.has(key.key);
    std::string server = remote.describe();
    if (!there) {
        std::printf("  the remote cache %s could not be asked (fleche remote check says why)\n",
                    server.c_str());
        return false;
    }
    if (key.record.trace) { // ac/<K1> holds path sets; which one matches is known after fetching
        std::printf(*there ? "  the remote cache %s has path sets of this command: run fetches "
                             "them and replays the entry of the one that matches, if any\n"
                           : "  the remote cache %s has no path set of this command either\n",
                    server.c_str());
        return false;
    }
    std::printf(*there ? "  only the remote cache %s has it: run would fetch and replay it\n"
                       : "  the remote cache %s has no entry of it either\n",
                server.c_str());
    return *there;
}

int explain(RunOptions &options, const config::Config &config) {
    resolve_labels(options);
    if (auto why = uncached_reason(options.invocation)) {
        std::printf("miss: %s; run would run CMD uncached, without looking up or storing\n",
                    why->c_str());
        return 1;
    }
    if (options.no_store) { // --no-store, or a rule's require_env is unset (warned about)
        std::printf("miss: run would neither look up nor store (--no-store, or a rule's "
                    "require_env is unset)\n");
        return 1;
    }
    auto opened = open_configured_store();
    store::Store &store = *opened;
    store::Index &index = store.index();
    StoreHasher hasher(&store);
    PreparedKey key = hasher.prepare(options.invocation, true);
    require_key(key);
    std::string name = entry_labels(options, key.record.argv[0]).name;
    std::string short_key = store::short_key(index, key.key);
    store::LocalStorage storage(store);
    Lookup lookup;
    std::string matched; // for a traced key: which path set names the entry
    std::string tried;   // or how many were compared, none matching
    if (key.record.trace) {
        PathSetMatch match =
            match_path_sets(storage, key, path_keying(options.invocation), hasher.hasher());
        if (match.entry_key) {
            lookup = engine::find_traced_entry(storage, key, options.cache_failures, match);
            short_key = store::short_key(index, *match.entry_key);
            auto list = storage.get_path_sets(key.key); // read again for its length
            matched = " (path set " + std::to_string(match.position) + " of " +
                      std::to_string(list ? list->items.size() : match.tried) + " matches)";
        } else {
            lookup.miss_reason = match.miss_reason;
            if (match.tried)
                tried = "  " + std::to_string(match.tried) + " path set" +
                        (match.tried == 1 ? "" : "s") + " compared; fleche show " + short_key +
                        " lists them\n";
        }
    } else {
        lookup = find_entry(storage, key, options.cache_failures);
    }
    if (lookup.entry) {
        int64_t now = now_ns();
        Freshness fresh = freshness(*lookup.entry, options, now);
        // What run finds only as it replays (a merged log, a damaged entry).
        std::string obstacle = fresh == Freshness::expired
                                   ? expiry_reason(*lookup.entry, options, now)
                                   : replay_obstacle(store.blobs(), *lookup.entry);
        if (obstacle.empty()) {
            std::printf("hit %s: run would replay this entry%s%s\n\n", short_key.c_str(),
                        fresh == Freshness::stale ? " and refresh it in the background" : "",
                        matched.c_str());
            print_entry(*lookup.entry);
            return 0;
        }
        lookup.miss_reason = obstacle;
    }
    std::printf("miss %s: %s\n%s", short_key.c_str(), lookup.miss_reason.c_str(), tried.c_str());
    if (lookup.miss_reason == nothing_stored || key.record.trace)
        if (auto settings = engine::configured_remote(options, config))
            if (remote_has(std::move(*settings), store, key))
                return 0;
    if (lookup.miss_reason == nothing_stored)
        print_closest(index, key, name);
    return 1;
}

} // namespace

Subcommand explain_command(const CommandWords &command) {
    auto options = std::make_shared<RunOptions>();
    Subcommand sub{.name = "explain",
                   .description = "Say whether run would hit, and if not, what differs from the "
                                  "closest stored entry",
                   .footer = "Usage: fleche explain [RUN OPTIONS] -- CMD [ARGS...]\n"
                             "Exit status: 0 on a hit, 1 on a miss.\n",
                   .takes_command = true,
                   .action = [options, &command] {
                       options->invocation.argv = command;
                       // The rules and [run] settings that run would apply, or
                       // the key is another one.
                       config::Config config = config::load();
                       configure(*options, config);
                       return explain(*options, config);
                   }};
    add_key_options(sub.options, *options);
    add_run_options(sub.options, *options);
    add_remote_option(sub.options, *options);
    return sub;
}

} // namespace fleche::cli
