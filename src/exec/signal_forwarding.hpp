// SIGINT, SIGTERM and SIGHUP sent to fleche while CMD runs are forwarded to
// CMD, and remembered: a run that was signalled is never stored. A signal
// that fleche inherited as ignored (nohup) stays ignored, for fleche and CMD.
#pragma once

#include <csignal>
#include <sys/types.h>

namespace fleche::exec {

class SignalForwarding {
  public:
    SignalForwarding();
    ~SignalForwarding();
    SignalForwarding(const SignalForwarding &) = delete;
    SignalForwarding &operator=(const SignalForwarding &) = delete;

    // CMD runs as `pid`: forward to it from now on, and what came before.
    void started(pid_t pid);
    // The first forwarded signal fleche received, 0 when none.
    int received() const;
    // Adds the signals that need the default disposition in CMD (those
    // fleche handles or ignores for itself but inherited as default).
    static void add_defaults(sigset_t &set);
};

// "SIGTERM" for the forwarded signals, else "a signal".
const char *forwarded_name(int sig);

} // namespace fleche::exec
