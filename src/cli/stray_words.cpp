#include "cli/stray_words.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

namespace fleche::cli {

void reject_stray_words(const std::string &name, const CommandWords &stray,
                        const CommandWords &command) {
    if (stray.empty())
        return;
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
