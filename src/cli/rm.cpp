// fleche rm KEY...: remove entries (file and index rows); their blobs go at the next gc when no
// other entry uses them.
#include "cli/commands.hpp"
#include "cli/entry_view.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "util/error.hpp"

#include <memory>

namespace fleche::cli {

using engine::open_configured_store;

namespace {

int rm(const std::vector<std::string> &prefixes) {
    auto opened = open_configured_store();
    store::Store &store = *opened;
    // Every prefix is checked before anything is removed.
    std::vector<std::string> keys;
    for (const auto &prefix : prefixes)
        keys.push_back(resolve_key(store.index(), prefix));
    for (const auto &key : keys)
        store::remove_entry(store, key);
    return 0;
}

} // namespace

Subcommand rm_command(const CommandWords &) {
    auto keys = std::make_shared<std::vector<std::string>>();
    return {.name = "rm",
            .description = "Remove stored entries",
            .options = {{.names = "KEY",
                         .help = "Keys or unique prefixes (at least 4 hex digits)",
                         .target = keys.get(),
                         .required = true}},
            .action = [keys] { return rm(*keys); }};
}

} // namespace fleche::cli
