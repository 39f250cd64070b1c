// fleche explain [run options] -- CMD: would run hit? If not, which stored
// entry is closest, and what differs, element by element.
#include "cli/closest.hpp"
#include "cli/commands.hpp"
#include "cli/configure.hpp"
#include "cli/entry_view.hpp"
#include "cli/expiry.hpp"
#include "cli/labels.hpp"
#include "cli/lookup.hpp"
#include "store/counters.hpp"
#include "store/key_prefix.hpp"
#include "util/clock.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace fleche::cli {

namespace {

// Prints the closest entry and the differences; false when there is none.
void print_closest(store::Index &index, const PreparedKey &key, const std::string &name) {
    auto closest = find_closest(index, key, name);
    if (!closest) {
        std::printf("no stored entry of %s or of %s to compare with\n", name.c_str(),
                    key.record.argv[0].c_str());
        return;
    }
    std::printf("closest stored entry: %s (%s, %s ago)\n",
                store::short_key(index.database(), closest->key).c_str(), closest->name.c_str(),
                format_duration(now_ns() - closest->stopped_ns).c_str());
    if (closest->differences.empty())
        std::printf("  no difference in the key record (a different key format?)\n");
    for (const auto &difference : closest->differences)
        std::printf("  %s\n", difference.c_str());
}

int explain(RunOptions &options) {
    resolve_labels(options);
    auto opened = open_configured_store();
    store::Store &store = *opened;
    store::Index &index = store.index();
    PreparedKey key = StoreHasher(&store).prepare(options.invocation, true);
    require_key(key);
    std::string name = entry_labels(options, key.record.argv[0]).name;
    std::string short_key = store::short_key(index.database(), key.key);
    Lookup lookup = find_entry(index, key, options.cache_failures);
    if (lookup.entry) {
        int64_t now = now_ns();
        Freshness fresh = freshness(*lookup.entry, options, now);
        if (fresh != Freshness::expired) {
            std::printf("hit %s: run would replay this entry%s\n\n", short_key.c_str(),
                        fresh == Freshness::stale ? " and refresh it in the background" : "");
            lookup.entry->tags = store::read_tags(index.database(), key.key);
            print_entry(*lookup.entry);
            return 0;
        }
        lookup.miss_reason = expiry_reason(*lookup.entry, options, now);
    }
    std::printf("miss %s: %s\n", short_key.c_str(), lookup.miss_reason.c_str());
    if (lookup.miss_reason == nothing_stored)
        print_closest(index, key, name);
    return 1;
}

} // namespace

Subcommand add_explain(CLI::App &app, const CommandWords &command) {
    auto *sub = app.add_subcommand("explain", "Say whether run would hit, and if not, what differs "
                                              "from the closest stored entry");
    sub->footer("Usage: fleche explain [RUN OPTIONS] -- CMD [ARGS...]\n"
                "Exit status: 0 on a hit, 1 on a miss.\n");
    auto options = std::make_shared<RunOptions>();
    add_key_options(*sub, *options);
    add_run_options(*sub, *options);
    return {sub, [options, &command] {
                options->invocation.argv = command;
                return explain(*options);
            }};
}

} // namespace fleche::cli
