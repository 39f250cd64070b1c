#include "util/interruption.hpp"

#include <pthread.h>

namespace fleche {

Interruption::Interruption() {
    sigemptyset(&held_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
        sigaddset(&held_, sig);
    pthread_sigmask(SIG_BLOCK, &held_, &saved_);
}

Interruption::~Interruption() {
    // A pending signal with its default action ends the process right here.
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

void Interruption::check() const {
    sigset_t pending;
    if (sigpending(&pending) != 0)
        return;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
        if (sigismember(&pending, sig) && !sigismember(&saved_, sig))
            throw Interrupted();
}

} // namespace fleche
