// The subcommands. Each add_* registers one on the application and returns
// what to do when it was chosen; `command` holds the words after "--".
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace fleche::cli {

using Action = std::function<int()>;
using CommandWords = std::vector<std::string>;

struct Subcommand {
    CLI::App *app;
    Action action;
};

Subcommand add_run(CLI::App &app, const CommandWords &command);
Subcommand add_digest(CLI::App &app, const CommandWords &command);
Subcommand add_has(CLI::App &app, const CommandWords &command);
Subcommand add_gc(CLI::App &app, const CommandWords &command);
Subcommand add_verify(CLI::App &app, const CommandWords &command);
Subcommand add_query(CLI::App &app, const CommandWords &command);
Subcommand add_show(CLI::App &app, const CommandWords &command);
Subcommand add_rm(CLI::App &app, const CommandWords &command);
Subcommand add_explain(CLI::App &app, const CommandWords &command);
Subcommand add_stats(CLI::App &app, const CommandWords &command);
Subcommand add_config(CLI::App &app, const CommandWords &command);
// fleche help [SUBCOMMAND]: the help of the application or of one subcommand.
Subcommand add_help(CLI::App &app);

} // namespace fleche::cli
