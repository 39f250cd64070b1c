// CLI wiring only: split the command line at "--", let CLI11 parse what comes
// before, run the chosen subcommand, and turn errors into "fleche: ..." and
// an exit status.
#include "cli/commands.hpp"
#include "util/error.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstring>

namespace {

int usage_error(const std::string &message) {
    fleche::say(message + " (see fleche --help)");
    return fleche::exit_failure;
}

int dispatch(int argc, char **argv) {
    int split = 1;
    while (split < argc && std::strcmp(argv[split], "--") != 0)
        ++split;
    fleche::cli::CommandWords command(argv + std::min(split + 1, argc), argv + argc);

    CLI::App app{"fleche: cache the results of commands, and replay them"};
    app.set_version_flag("--version", "fleche " FLECHE_VERSION);
    app.require_subcommand(1);
    app.footer("Run 'fleche SUBCOMMAND --help' for the options of each.\n");
    const fleche::cli::Subcommand subcommands[] = {
        fleche::cli::add_run(app, command),
        fleche::cli::add_digest(app, command),
        fleche::cli::add_has(app, command),
        fleche::cli::add_config(app, command),
        fleche::cli::add_help(app),
    };
    try {
        app.parse(split, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        return usage_error(e.what());
    }
    for (const auto &sub : subcommands)
        if (sub.app->parsed())
            return sub.action();
    return usage_error("no subcommand given");
}

} // namespace

int main(int argc, char **argv) {
    // A reader that goes away must not kill fleche before it has stored the
    // result; writes then fail with EPIPE, which callers handle.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return dispatch(argc, argv);
    } catch (const fleche::Error &e) {
        fleche::say(e.what());
        return e.status();
    } catch (const std::exception &e) {
        fleche::say(std::string("internal error: ") + e.what() +
                    "; please report it with the command that caused it");
        return fleche::exit_failure;
    }
}
