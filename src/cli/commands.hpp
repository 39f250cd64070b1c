// The subcommands, as data. Each *_command() describes one: its options (a
// table that app.cpp, the only file that knows CLI11, turns into CLI11
// calls) and what to do when it was chosen; `command` holds the words after
// "--". Keeping CLI11 out of these files keeps it out of all but one
// translation unit, which is most of the build's time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fleche::cli {

using Action = std::function<int()>;
using CommandWords = std::vector<std::string>;

// A duration option (as 30s, 2h): the value in nanoseconds, parsed with
// util/units.hpp's parse_duration as the option is read.
struct Duration {
    std::optional<int64_t> *ns;
};

// Where an option's value goes. The type decides what CLI11 accepts and how
// it says no (a flag takes no value, a list any number of them).
using OptionTarget =
    std::variant<bool *, std::string *, std::optional<std::string> *, std::vector<std::string> *,
                 std::optional<int> *, std::optional<int64_t> *, Duration>;

struct Option {
    const char *names; // "-v,--verbose", or "KEY" for a positional
    const char *help;
    OptionTarget target;
    const char *type_name = nullptr;      // shown in --help; nullptr: CLI11's default
    bool one_per_flag = false;            // "-i a b" is an error, not two values
    bool required = false;                // an error when not given
    bool hidden = false;                  // not in --help
    bool non_negative = false;            // a number >= 0
    std::vector<const char *> excludes{}; // names of options it cannot go with
};

struct Subcommand {
    const char *name;
    const char *description;
    const char *footer = nullptr;
    std::vector<Option> options{};
    // Takes CMD after "--": the words before it that are no option are kept
    // aside and rejected with a message of our own (stray_words.hpp).
    bool takes_command = false;
    Action action;
};

Subcommand run_command(const CommandWords &command);
Subcommand digest_command(const CommandWords &command);
Subcommand has_command(const CommandWords &command);
Subcommand gc_command(const CommandWords &command);
Subcommand verify_command(const CommandWords &command);
Subcommand query_command(const CommandWords &command);
Subcommand show_command(const CommandWords &command);
Subcommand rm_command(const CommandWords &command);
Subcommand explain_command(const CommandWords &command);
Subcommand stats_command(const CommandWords &command);
Subcommand config_command(const CommandWords &command);
Subcommand remote_command(const CommandWords &command);

// Parses the command line, runs the chosen subcommand (help and --version
// included) and returns the exit status; usage errors are said here.
int run_command_line(int argc, char **argv);

} // namespace fleche::cli
