// fleche digest: print the key that run would use.
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "engine/prepared_key.hpp"
#include "engine/uncached.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <cerrno>
#include <memory>
#include <unistd.h>

namespace fleche::cli {

using engine::configure;
using engine::prepare_key;
using engine::PreparedKey;
using engine::require_key;
using engine::uncached_reason;

Subcommand digest_command(const CommandWords &command) {
    auto options = std::make_shared<RunOptions>();
    Subcommand sub{.name = "digest",
                   .description = "Print the key of CMD, computed exactly as run does",
                   .footer = "Usage: fleche digest [OPTIONS] -- CMD [ARGS...]\n",
                   .takes_command = true,
                   .action = [options, &command] {
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
    add_key_options(sub.options, *options);
    return sub;
}

} // namespace fleche::cli
