// One error policy for the whole tool: lower layers throw fleche::Error with
// the exit status the user should see; main() catches it once and prints
// "fleche: <message>". Warnings never stop a run (see warn()).
//
// The rule, by what failed:
// - The store (index, blobs, locks, disk full, a damaged or missing blob, as
//   BlobCorrupt): every failure is a fleche::Error. Under `run` it degrades:
//   one warning, then a miss or an uncached run, and CMD's own exit status;
//   the cache never makes a command fail that would succeed without it.
//   Under the commands that are about the store (show, query, stats, gc,
//   verify, rm, ...) it is fatal: "fleche: <message>", exit 125.
// - The invocation (usage, configuration, CMD not found or not executable)
//   is fatal before CMD runs: 125, 126 or 127.
// - Anything that is not a fleche::Error reaching main() is a bug in fleche
//   ("internal error: ..."), so lower layers translate the errors of the
//   libraries they call (SQLite, zstd, errno) into fleche::Error.
#pragma once

#include <stdexcept>
#include <string>

namespace fleche {

// Exit statuses of fleche itself, following env(1), timeout(1) and nice(1).
enum ExitStatus : int {
    exit_failure = 125,        // usage, configuration or store error
    exit_cannot_execute = 126, // CMD exists but cannot be executed
    exit_not_found = 127,      // CMD not found
};

class Error : public std::runtime_error {
  public:
    explicit Error(const std::string &message, int status = exit_failure)
        : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

  private:
    int status_;
};

// Prints "fleche: warning: <message>" on stderr.
void warn(const std::string &message);
// Prints "fleche: <message>" on stderr.
void say(const std::string &message);

// strerror(errno) prefixed with what failed: "cannot open 'x': No such file".
std::string errno_message(const std::string &what, int err);

} // namespace fleche
