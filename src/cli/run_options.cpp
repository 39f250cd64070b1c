#include "cli/run_options.hpp"

#include "util/units.hpp"

#include <CLI/CLI.hpp>

namespace fleche::cli {

void add_key_options(CLI::App &command, RunOptions &options) {
    auto &inv = options.invocation;
    // allow_extra_args(false): one value per flag, so that "-i a b" is an
    // error instead of two inputs.
    command
        .add_option("-e,--env", inv.env, "Put this environment variable (NAME or GLOB) in the key")
        ->type_name("NAME|GLOB")
        ->allow_extra_args(false);
    command
        .add_option("-i,--input", inv.inputs,
                    "Put this file, directory or glob's content in the key (a path that "
                    "exists is itself, even with *?[ in it; glob:PATTERN is always a glob)")
        ->type_name("PATH|DIR|GLOB")
        ->allow_extra_args(false);
    command
        .add_option("-o,--output", inv.outputs,
                    "Store this output file, directory or glob and restore it on a hit, modes "
                    "exactly (paths and globs as for -i)")
        ->type_name("PATH|DIR|GLOB")
        ->allow_extra_args(false);
    command.add_option("--salt", inv.salt, "Put this string in the key (a version of your own)")
        ->type_name("STR");
    command.add_flag("--key-cwd", inv.key_cwd, "Put the working directory in the key");
    command.add_flag("--stdin", inv.hash_stdin,
                     "Put stdin's content in the key (CMD reads the same bytes)");
    command.add_flag("--cache-failures", options.cache_failures,
                     "Store and replay any exit code, not only 0");
}

void add_ttl_option(CLI::App &command, RunOptions &options) {
    command
        .add_option_function<std::string>(
            "--ttl",
            [&options](const std::string &text) { options.ttl_ns = parse_duration(text, "--ttl"); },
            "Treat a stored result older than this as a miss and replace it")
        ->type_name("DURATION");
}

void add_run_options(CLI::App &command, RunOptions &options) {
    command.add_flag("--refresh", options.refresh, "Run CMD and replace the stored result");
    command.add_flag("--no-store", options.no_store,
                     "Run CMD without looking up or storing anything");
    command.add_flag("-v,--verbose", options.verbose,
                     "Say on stderr whether this was a hit or a miss, and why");
    command.add_option("--tag", options.tags, "Attach this tag to the stored entry (repeatable)")
        ->type_name("NAME=VALUE")
        ->allow_extra_args(false);
    command
        .add_option("--name", options.name, "Label the stored entry (default: the tool's basename)")
        ->type_name("LABEL");
    add_ttl_option(command, options);
    command
        .add_option_function<std::string>(
            "--stale",
            [&options](const std::string &text) {
                options.stale_ns = parse_duration(text, "--stale");
            },
            "Replay a stored result older than this at once, and refresh it in the background")
        ->type_name("DURATION");
}

} // namespace fleche::cli
