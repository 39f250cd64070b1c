// One error policy for the whole tool: lower layers throw fleche::Error with
// the exit status the user should see; main() catches it once and prints
// "fleche: <message>". Warnings never stop a run (see warn()).
#pragma once

#include <stdexcept>
#include <string>

namespace fleche {

// Exit statuses of fleche itself, following env(1), timeout(1) and nice(1).
enum ExitStatus : int {
    exit_failure = 125,       // usage, configuration or store error
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
