// The only translation unit that includes CLI11 (it is most of the build's
// time): turns the subcommands' option tables into CLI11 calls, splits the
// command line at "--", parses what comes before, runs the chosen
// subcommand, and says usage errors as "fleche: ... (see fleche --help)".
#include "cli/commands.hpp"
#include "cli/stray_words.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/units.hpp"

#include <CLI/CLI.hpp>

#include <cstring>
#include <memory>
#include <type_traits>
#include <unistd.h>

namespace fleche::cli {

namespace {

int usage_error(const std::string &message) {
    say(message + " (see fleche --help)");
    return exit_failure;
}

CLI::Option *add_option(CLI::App &sub, const Option &spec) {
    CLI::Option *option = std::visit(
        [&](const auto &target) -> CLI::Option * {
            using Target = std::decay_t<decltype(target)>;
            if constexpr (std::is_same_v<Target, bool *>)
                return sub.add_flag(spec.names, *target, spec.help);
            else if constexpr (std::is_same_v<Target, Duration>)
                return sub.add_option_function<std::string>(
                    spec.names,
                    [ns = target.ns, flag = spec.names](const std::string &text) {
                        *ns = parse_duration(text, flag);
                    },
                    spec.help);
            else
                return sub.add_option(spec.names, *target, spec.help);
        },
        spec.target);
    if (spec.type_name)
        option->type_name(spec.type_name);
    if (spec.one_per_flag)
        option->allow_extra_args(false);
    if (spec.required)
        option->required();
    if (spec.hidden)
        option->group("");
    if (spec.non_negative)
        option->check(CLI::NonNegativeNumber);
    return option;
}

CLI::App *add_subcommand(CLI::App &app, const Subcommand &spec) {
    CLI::App *sub = app.add_subcommand(spec.name, spec.description);
    if (spec.footer)
        sub->footer(spec.footer);
    for (const auto &option : spec.options)
        add_option(*sub, option);
    for (const auto &option : spec.options)
        for (const char *other : option.excludes)
            sub->get_option(option.names)->excludes(sub->get_option(other));
    if (spec.takes_command)
        sub->prefix_command();
    return sub;
}

// fleche help [SUBCOMMAND]: the same text as --help, as git and cargo offer it.
Subcommand help_command(CLI::App &app, const CLI::App *&help) {
    auto topic = std::make_shared<std::string>();
    return {.name = "help",
            .description = "Print the help of fleche or of one subcommand",
            .options = {{.names = "SUBCOMMAND",
                         .help = "The subcommand to explain",
                         .target = topic.get()}},
            .action = [&app, &help, topic] {
                if (topic->empty()) { // app.help() would show the help of "help", the parsed one
                    std::string text = app.get_formatter()->make_help(&app, app.get_name(),
                                                                      CLI::AppFormatMode::Normal);
                    return write_all(STDOUT_FILENO, text) ? 0 : exit_failure;
                }
                for (const auto *other : app.get_subcommands({}))
                    if (other != help && other->get_name() == *topic)
                        return write_all(STDOUT_FILENO, other->help(app.get_name())) ? 0
                                                                                     : exit_failure;
                throw Error("no subcommand '" + *topic + "'; see fleche --help for the list");
            }};
}

struct Known {
    const char *name;
    Subcommand (*make)(const CommandWords &);
};

constexpr Known known[] = {
    {"run", run_command},     {"digest", digest_command}, {"has", has_command},
    {"gc", gc_command},       {"verify", verify_command}, {"query", query_command},
    {"show", show_command},   {"rm", rm_command},         {"explain", explain_command},
    {"stats", stats_command}, {"config", config_command}, {"remote", remote_command},
};

} // namespace

int run_command_line(int argc, char **argv) {
    int split = 1;
    while (split < argc && std::strcmp(argv[split], "--") != 0)
        ++split;
    CommandWords command(argv + std::min(split + 1, argc), argv + argc);

    CLI::App app{"fleche: cache the results of commands, and replay them"};
    app.set_version_flag("--version", "fleche " FLECHE_VERSION);
    app.require_subcommand(1);
    app.footer("Run 'fleche SUBCOMMAND --help' for the options of each.\n");
    // Setting up every subcommand's options is a good part of a hit's time
    // (callgrind): when the first word names a subcommand, set up that one.
    std::vector<Subcommand> specs;
    for (const auto &k : known)
        if (argc > 1 && std::strcmp(argv[1], k.name) == 0)
            specs.push_back(k.make(command));
    const CLI::App *help = nullptr;
    bool all = specs.empty();
    if (all) {
        for (const auto &k : known)
            specs.push_back(k.make(command));
        specs.push_back(help_command(app, help));
    }
    std::vector<CLI::App *> subs;
    for (const auto &spec : specs)
        subs.push_back(add_subcommand(app, spec));
    if (all)
        help = subs.back();
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
    for (size_t i = 0; i < specs.size(); ++i)
        if (subs[i]->parsed()) {
            if (specs[i].takes_command)
                reject_stray_words(subs[i]->get_name(), subs[i]->remaining(), command);
            return specs[i].action();
        }
    return usage_error("no subcommand given");
}

} // namespace fleche::cli
