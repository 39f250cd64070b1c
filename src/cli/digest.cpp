// fleche digest: print the key that run would use.
#include "cli/commands.hpp"
#include "cli/configure.hpp"
#include "cli/prepared_key.hpp"
#include "cli/stray_words.hpp"
#include "cli/uncached.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <memory>
#include <unistd.h>

namespace fleche::cli {

Subcommand add_digest(CLI::App &app, const CommandWords &command) {
    auto *sub = app.add_subcommand("digest", "Print the key of CMD, computed exactly as run does");
    sub->footer("Usage: fleche digest [OPTIONS] -- CMD [ARGS...]\n");
    auto options = std::make_shared<RunOptions>();
    add_key_options(*sub, *options);
    keep_stray_words(*sub);
    return {sub, [sub, options, &command] {
                reject_stray_words(*sub, command);
                options->invocation.argv = command;
                configure(*options, config::load());
                if (auto why = uncached_reason(options->invocation))
                    throw Error(*why + "; run uses no key for it");
                key::FileHasher hasher; // no store needed: nothing is remembered
                PreparedKey key = prepare_key(options->invocation, hasher);
                require_key(key);
                std::string line = key.key + "\n";
                if (!write_all(STDOUT_FILENO, line))
                    throw Error(errno_message("cannot write the key", errno));
                return 0;
            }};
}

} // namespace fleche::cli
