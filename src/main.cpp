// CLI wiring only: split the command line at "--", let CLI11 parse what comes
// before, run the chosen subcommand, and turn errors into "fleche: ..." and
// an exit status.
#include "cli/commands.hpp"
#include "exec/inherited.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstring>
#include <vector>

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
    struct Known {
        const char *name;
        fleche::cli::Subcommand (*add)(CLI::App &, const fleche::cli::CommandWords &);
    };
    static const Known known[] = {
        {"run", fleche::cli::add_run},         {"digest", fleche::cli::add_digest},
        {"has", fleche::cli::add_has},         {"gc", fleche::cli::add_gc},
        {"verify", fleche::cli::add_verify},   {"query", fleche::cli::add_query},
        {"show", fleche::cli::add_show},       {"rm", fleche::cli::add_rm},
        {"explain", fleche::cli::add_explain}, {"stats", fleche::cli::add_stats},
        {"config", fleche::cli::add_config},
    };
    // Setting up every subcommand's options is a good part of a hit's time
    // (callgrind): when the first word names a subcommand, set up that one.
    std::vector<fleche::cli::Subcommand> subcommands;
    for (const auto &k : known)
        if (argc > 1 && std::strcmp(argv[1], k.name) == 0)
            subcommands.push_back(k.add(app, command));
    if (subcommands.empty()) {
        for (const auto &k : known)
            subcommands.push_back(k.add(app, command));
        subcommands.push_back(fleche::cli::add_help(app));
    }
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
    // Before anything changes them or opens a file: CMD must get what the
    // caller gave, and a closed fd 1 must not become the index.
    fleche::exec::record_inherited();
    // A reader that goes away must not kill fleche before it has stored the
    // result; writes then fail with EPIPE, which callers handle.
    std::signal(SIGPIPE, SIG_IGN);
    fleche::process_start_ns() = fleche::now_ns();
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
