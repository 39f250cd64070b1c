#include "cli/stray_words.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>

namespace fleche::cli {

void keep_stray_words(CLI::App &sub) {
    sub.prefix_command();
}

void reject_stray_words(const CLI::App &sub, const CommandWords &command) {
    CommandWords stray = sub.remaining();
    if (stray.empty())
        return;
    const std::string &name = sub.get_name();
    // CLI11 keeps an unknown option aside too, in the order given; the words
    // after the first that is no option are the command.
    if (stray[0].size() > 1 && stray[0][0] == '-')
        throw Error("unknown option '" + stray[0] + "' (see fleche " + name + " --help)");
    if (command.empty())
        throw Error("put the command after '--': fleche " + name + " [OPTIONS] -- " +
                    shell_join(stray));
    throw Error("unexpected '" + stray[0] + "' before '--': fleche " + name +
                " [OPTIONS] -- CMD [ARGS...]");
}

} // namespace fleche::cli
