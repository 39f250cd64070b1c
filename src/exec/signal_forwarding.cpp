#include "exec/signal_forwarding.hpp"

#include "exec/inherited.hpp"

#include <atomic>
#include <iterator>

namespace fleche::exec {

namespace {

constexpr int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<pid_t> child_pid{0};
std::atomic<int> pending_signal{0};
std::atomic<int> received_signal{0};
struct sigaction saved[std::size(forwarded_signals)];
bool installed[std::size(forwarded_signals)];

// A signal from the terminal (si_code SI_KERNEL) reaches CMD directly through
// its process group; forwarding it as well would deliver it twice.
void forward_signal(int sig, siginfo_t *info, void *) {
    int none = 0;
    received_signal.compare_exchange_strong(none, sig);
    if (info && info->si_code == SI_KERNEL)
        return;
    pid_t pid = child_pid.load();
    if (pid > 0)
        ::kill(pid, sig);
    else
        pending_signal.store(sig);
}

} // namespace

SignalForwarding::SignalForwarding() {
    received_signal.store(0);
    pending_signal.store(0);
    struct sigaction action {};
    action.sa_sigaction = forward_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < std::size(forwarded_signals); ++i) {
        installed[i] = !inherited_ignored(forwarded_signals[i]);
        if (installed[i])
            ::sigaction(forwarded_signals[i], &action, &saved[i]);
    }
}

SignalForwarding::~SignalForwarding() {
    for (size_t i = 0; i < std::size(forwarded_signals); ++i)
        if (installed[i])
            ::sigaction(forwarded_signals[i], &saved[i], nullptr);
    child_pid.store(0);
}

void SignalForwarding::started(pid_t pid) {
    child_pid.store(pid);
    if (int sig = pending_signal.exchange(0))
        ::kill(pid, sig);
}

int SignalForwarding::received() const {
    return received_signal.load();
}

void SignalForwarding::add_defaults(sigset_t &set) {
    for (int sig : forwarded_signals)
        if (!inherited_ignored(sig))
            sigaddset(&set, sig);
    if (!inherited_ignored(SIGPIPE)) // fleche ignores it for itself (main)
        sigaddset(&set, SIGPIPE);
#ifdef __GLIBC__
    // glibc's posix_spawn leaves its internal signals (32 and 33, below
    // SIGRTMIN) ignored in CMD unless they are in this set, and sigaddset()
    // refuses to name them: set their bits directly. CMD had them at default
    // from any other launcher.
    constexpr int word_bits = 8 * sizeof set.__val[0];
    for (int sig = 32; sig < SIGRTMIN; ++sig)
        set.__val[(sig - 1) / word_bits] |= 1UL << ((sig - 1) % word_bits);
#endif
}

const char *forwarded_name(int sig) {
    switch (sig) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    default:
        return "a signal";
    }
}

} // namespace fleche::exec
