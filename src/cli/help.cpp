// fleche help [SUBCOMMAND]: the same text as --help, as git and cargo offer it.
#include "cli/commands.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <unistd.h>

namespace fleche::cli {

Subcommand add_help(CLI::App &app) {
    auto *sub = app.add_subcommand("help", "Print the help of fleche or of one subcommand");
    auto topic = std::make_shared<std::string>();
    sub->add_option("SUBCOMMAND", *topic, "The subcommand to explain");
    return {
        sub, [&app, sub, topic] {
            if (topic->empty()) { // app.help() would show the help of "help", the parsed subcommand
                std::string text = app.get_formatter()->make_help(&app, app.get_name(),
                                                                  CLI::AppFormatMode::Normal);
                return write_all(STDOUT_FILENO, text) ? 0 : exit_failure;
            }
            for (const auto *other : app.get_subcommands({}))
                if (other != sub && other->get_name() == *topic)
                    return write_all(STDOUT_FILENO, other->help(app.get_name())) ? 0 : exit_failure;
            throw Error("no subcommand '" + *topic + "'; see fleche --help for the list");
        }};
}

} // namespace fleche::cli
