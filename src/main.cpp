// The entry point: records what fleche inherited, then hands the command
// line to cli/app.cpp and turns errors into "fleche: ..." and an exit status.
#include "cli/commands.hpp"
#include "exec/inherited.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"

#include <csignal>
#include <exception>
#include <string>

int main(int argc, char **argv) {
    // Before anything changes them or opens a file: CMD must get what the
    // caller gave, and a closed fd 1 must not become the index.
    fleche::exec::record_inherited();
    // A reader that goes away must not kill fleche before it has stored the
    // result; writes then fail with EPIPE, which callers handle.
    std::signal(SIGPIPE, SIG_IGN);
    fleche::process_start_ns() = fleche::now_ns();
    try {
        return fleche::cli::run_command_line(argc, argv);
    } catch (const fleche::Error &e) {
        fleche::say(e.what());
        return e.status();
    } catch (const std::exception &e) {
        fleche::say(std::string("internal error: ") + e.what() +
                    "; please report it with the command that caused it");
        return fleche::exit_failure;
    }
}
