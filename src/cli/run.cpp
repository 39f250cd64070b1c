// fleche run: replay a stored result, or run CMD and store it.
#include "engine/run.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "engine/direct_exec.hpp"
#include "engine/expiry.hpp"

#include <memory>

namespace fleche::cli {

Subcommand run_command(const CommandWords &command) {
    auto options = std::make_shared<RunOptions>();
    auto refresh_of = std::make_shared<std::string>();
    Subcommand sub{.name = "run",
                   .description = "Replay the stored result of CMD, or run it and store it",
                   .footer = "Usage: fleche run [OPTIONS] -- CMD [ARGS...]\n",
                   .takes_command = true,
                   .action = [options, refresh_of, &command] {
                       options->invocation.argv = command;
                       if (engine::disabled_by_environment())
                           return engine::exec_directly(command);
                       config::Config config = config::load();
                       engine::configure(*options, config);
                       return engine::run(*options, config, *refresh_of);
                   }};
    add_key_options(sub.options, *options);
    add_run_options(sub.options, *options);
    add_remote_option(sub.options, *options);
    sub.options.push_back({.names = engine::background_refresh_option, // see expiry.hpp
                           .help = "",
                           .target = refresh_of.get(),
                           .hidden = true});
    return sub;
}

} // namespace fleche::cli
