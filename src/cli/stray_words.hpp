// Words before "--" that are no option of the subcommand: most often a
// command written without "--" (fleche run gcc -c x.c), sometimes an unknown
// option. CLI11 would reject them with its own message, which lists the words
// in reverse; they are kept aside instead so that the error can show the
// command line the user meant.
#pragma once

#include "cli/commands.hpp"

namespace fleche::cli {

// For the subcommands that take CMD after "--": keeps the first word that is
// no option, and every word after it, aside (CLI11's prefix command).
void keep_stray_words(CLI::App &sub);

// Throws Error (exit 125) when words were kept aside: an unknown option, or
// a command that belongs after "--".
void reject_stray_words(const CLI::App &sub, const CommandWords &command);

} // namespace fleche::cli
