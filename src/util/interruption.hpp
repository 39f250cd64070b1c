// SIGINT, SIGTERM, SIGHUP and SIGQUIT held back while fleche writes files
// that must not be left half-made (a restore's temporary files): check()
// throws Interrupted once one is pending, and the destructor, run after the
// temporary files' owners are gone, lets it act. fleche then ends as the
// signal would have ended it (status 128+n), with nothing left behind.
#pragma once

#include "util/error.hpp"

#include <csignal>

namespace fleche {

class Interrupted : public Error {
  public:
    Interrupted() : Error("interrupted") {}
};

class Interruption {
  public:
    // Blocks the signals in the calling thread, and so in the threads it
    // starts until destroyed.
    Interruption();
    ~Interruption();
    Interruption(const Interruption &) = delete;
    Interruption &operator=(const Interruption &) = delete;

    // Throws Interrupted when one of the signals is pending. One syscall.
    void check() const;

  private:
    sigset_t held_;
    sigset_t saved_;
};

} // namespace fleche
