#include "exec/inherited.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace fleche::exec {

namespace {

// The dispositions that fleche changes for itself: forwarded signals and SIGPIPE.
constexpr int watched_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

struct Inherited {
    bool ignored[NSIG] = {};
    sigset_t mask;
    bool closed[3] = {};
    // Without record_inherited() (unit tests) CMD gets fleche's own mask.
    Inherited() { ::sigprocmask(SIG_SETMASK, nullptr, &mask); }
};

Inherited &inherited() {
    static Inherited state;
    return state;
}

} // namespace

void record_inherited() {
    Inherited &state = inherited();
    for (int sig : watched_signals) {
        struct sigaction action {};
        if (::sigaction(sig, nullptr, &action) == 0)
            state.ignored[sig] = !(action.sa_flags & SA_SIGINFO) && action.sa_handler == SIG_IGN;
    }
    for (int fd = 0; fd < 3; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        state.closed[fd] = true;
        // open() takes the lowest free fd: this one, as the lower ones are open.
        int placeholder = ::open("/dev/null", O_RDWR);
        if (placeholder >= 0 && placeholder != fd)
            ::close(placeholder); // cannot happen; never keep a stray fd
    }
}

void restore_inherited() {
    for (int fd = 0; fd < 3; ++fd)
        if (inherited().closed[fd])
            ::close(fd);
    ::signal(SIGPIPE, inherited_ignored(SIGPIPE) ? SIG_IGN : SIG_DFL);
}

bool inherited_ignored(int sig) {
    return sig > 0 && sig < NSIG && inherited().ignored[sig];
}

const sigset_t &inherited_mask() {
    return inherited().mask;
}

bool std_fd_closed(int fd) {
    return fd >= 0 && fd < 3 && inherited().closed[fd];
}

bool stdout_is_stderr() {
    if (std_fd_closed(STDOUT_FILENO) || std_fd_closed(STDERR_FILENO))
        return false;
    struct stat out {};
    struct stat err {};
    if (::fstat(STDOUT_FILENO, &out) != 0 || ::fstat(STDERR_FILENO, &err) != 0)
        return false;
    // Order means nothing in /dev/null (>/dev/null 2>&1, a background
    // refresh): a log kept in two streams there serves every later caller.
    bool null = S_ISCHR(out.st_mode) && out.st_rdev == makedev(1, 3);
    return !null && out.st_dev == err.st_dev && out.st_ino == err.st_ino;
}

} // namespace fleche::exec
