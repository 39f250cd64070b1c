#include "cli/run_options.hpp"

namespace fleche::cli {

void add_key_options(std::vector<Option> &table, RunOptions &options) {
    auto &inv = options.invocation;
    // one_per_flag: "-i a b" is an error instead of two inputs.
    table.push_back({.names = "-e,--env",
                     .help = "Put this environment variable (NAME or GLOB) in the key",
                     .target = &inv.env,
                     .type_name = "NAME|GLOB",
                     .one_per_flag = true});
    table.push_back({.names = "-i,--input",
                     .help =
                         "Put this file, directory or glob's content in the key (a path that "
                         "exists is itself, even with *?[ in it; glob:PATTERN is always a glob)",
                     .target = &inv.inputs,
                     .type_name = "PATH|DIR|GLOB",
                     .one_per_flag = true});
    table.push_back({.names = "-o,--output",
                     .help = "Store this output file, directory or glob and restore it on a hit, "
                             "modes exactly (paths and globs as for -i)",
                     .target = &inv.outputs,
                     .type_name = "PATH|DIR|GLOB",
                     .one_per_flag = true});
    table.push_back({.names = "--salt",
                     .help = "Put this string in the key (a version of your own)",
                     .target = &inv.salt,
                     .type_name = "STR"});
    table.push_back({.names = "--key-cwd",
                     .help = "Put the working directory in the key",
                     .target = &inv.key_cwd});
    table.push_back({.names = "--trace",
                     .help = "Trace CMD: what it reads, runs, stats or lists is in the key, "
                             "the files it leaves beneath the working directory are outputs",
                     .target = &inv.trace});
    table.push_back({.names = "--no-trace",
                     .help = "Do not trace CMD, even when the configuration says to",
                     .target = &options.no_trace,
                     .excludes = {"--trace"}});
    table.push_back({.names = "--base-dir",
                     .help = "Key absolute paths beneath DIR (in arguments, inputs and traces) "
                             "relative to the working directory, so that checkouts share keys "
                             "('' for none)",
                     .target = &inv.base_dir,
                     .type_name = "DIR"});
    table.push_back({.names = "--env-all",
                     .help = "Put every environment variable in the key but volatile ones such "
                             "as PWD, SHLVL, SSH_* and MAKEFLAGS",
                     .target = &inv.env_all});
    table.push_back({.names = "--stdin",
                     .help = "Put stdin's content in the key (CMD reads the same bytes)",
                     .target = &inv.hash_stdin});
    table.push_back({.names = "--cache-failures",
                     .help = "Store and replay any exit code, not only 0",
                     .target = &options.cache_failures});
}

void add_ttl_option(std::vector<Option> &table, RunOptions &options) {
    table.push_back({.names = "--ttl",
                     .help = "Treat a stored result older than this as a miss and replace it",
                     .target = Duration{&options.ttl_ns},
                     .type_name = "DURATION"});
}

void add_remote_option(std::vector<Option> &table, RunOptions &options) {
    table.push_back({.names = "--no-remote",
                     .help = "Leave the remote cache ([remote] url, FLECHE_REMOTE) alone",
                     .target = &options.no_remote});
}

void add_run_options(std::vector<Option> &table, RunOptions &options) {
    table.push_back({.names = "--refresh",
                     .help = "Run CMD and replace the stored result",
                     .target = &options.refresh});
    table.push_back({.names = "--no-store",
                     .help = "Run CMD without looking up or storing anything",
                     .target = &options.no_store});
    table.push_back({.names = "-v,--verbose",
                     .help = "Say on stderr whether this was a hit or a miss, and why",
                     .target = &options.verbose});
    table.push_back({.names = "--tag",
                     .help = "Attach this tag to the stored entry (repeatable)",
                     .target = &options.tags,
                     .type_name = "NAME=VALUE",
                     .one_per_flag = true});
    table.push_back({.names = "--name",
                     .help = "Label the stored entry (default: the tool's basename)",
                     .target = &options.name,
                     .type_name = "LABEL"});
    add_ttl_option(table, options);
    table.push_back(
        {.names = "--stale",
         .help = "Replay a stored result older than this at once, and refresh it in the background",
         .target = Duration{&options.stale_ns},
         .type_name = "DURATION"});
}

} // namespace fleche::cli
