// Words before "--" that are no option of the subcommand: most often a
// command written without "--" (fleche run gcc -c x.c), sometimes an unknown
// option. CLI11 would reject them with its own message, which lists the words
// in reverse; app.cpp keeps them aside instead (CLI11's prefix command, for
// the subcommands that take CMD after "--": the first word that is no
// option, and every word after it) so that the error can show the command
// line the user meant.
#pragma once

#include "cli/commands.hpp"

namespace fleche::cli {

// Throws Error (exit 125) when words were kept aside: an unknown option, or
// a command that belongs after "--". `name` is the subcommand's.
void reject_stray_words(const std::string &name, const CommandWords &stray,
                        const CommandWords &command);

} // namespace fleche::cli
