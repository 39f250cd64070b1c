#include "exec/spawn.hpp"

#include "exec/inherited.hpp"
#include "exec/signal_forwarding.hpp"
#include "exec/tracer.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace fleche::exec {

namespace {

std::vector<char *> c_argv(const std::vector<std::string> &argv) {
    std::vector<char *> out;
    for (const auto &arg : argv)
        out.push_back(const_cast<char *>(arg.c_str()));
    out.push_back(nullptr);
    return out;
}

} // namespace

SpawnSetup::SpawnSetup() : flags_(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
    sigemptyset(&defaults_);
    SignalForwarding::add_defaults(defaults_);
    ::posix_spawnattr_setsigdefault(&attr_, &defaults_);
    ::posix_spawnattr_setsigmask(&attr_, &inherited_mask());
    ::posix_spawnattr_setflags(&attr_, flags_);
}

SpawnSetup::~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
}

void SpawnSetup::give(int target, int fd) {
    gives_.emplace_back(target, fd);
    if (fd >= 0)
        ::posix_spawn_file_actions_adddup2(&actions_, fd, target);
    else
        ::posix_spawn_file_actions_addclose(&actions_, target);
}

void SpawnSetup::detach_files() {
    for (int fd = 0; fd <= 2; ++fd)
        ::posix_spawn_file_actions_addopen(&actions_, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
    // An fd the caller gave fleche without close-on-exec (a build system's
    // jobserver pipe) must not be held open by a process that outlives it.
    ::posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
}

void SpawnSetup::new_session() {
    flags_ |= POSIX_SPAWN_SETSID;
    ::posix_spawnattr_setflags(&attr_, flags_);
}

int SpawnSetup::start(pid_t &pid, const std::string &path,
                      const std::vector<std::string> &argv) const {
    auto args = c_argv(argv);
    return start(pid, path.c_str(), args.data());
}

int SpawnSetup::start(pid_t &pid, const char *path, char *const *argv) const {
    return ::posix_spawn(&pid, path, &actions_, &attr_, argv, environ);
}

int SpawnSetup::start_traced(pid_t &pid, const char *path, char *const *argv,
                             Tracer &tracer) const {
    // Every signal blocked across the fork: no handler of fleche's may run in
    // the child before exec resets them.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t child = ::fork();
    if (child == 0)
        traced_child(path, argv, tracer);
    int fork_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (child < 0)
        return fork_error;
    int rc = tracer.attach();
    if (rc != 0) {
        // As posix_spawn does: a child that did not exec is reaped here.
        while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
        }
        return rc;
    }
    pid = child;
    return 0;
}

void SpawnSetup::traced_child(const char *path, char *const *argv, const Tracer &tracer) const {
    const TraceChild &trace = tracer.child();
    for (auto [target, fd] : gives_) {
        int rc = fd < 0         ? ::close(target)
                 : fd == target ? ::fcntl(fd, F_SETFD, 0) // as posix_spawn's adddup2
                                : ::dup2(fd, target);
        if (rc < 0 && fd >= 0) {
            trace_child_failed(trace, errno);
            ::_exit(127);
        }
    }
    if ((flags_ & POSIX_SPAWN_SETSID) && ::setsid() < 0) {
        trace_child_failed(trace, errno);
        ::_exit(127);
    }
    // POSIX_SPAWN_SETSIGDEF, and what glibc's posix_spawn does besides: a
    // signal fleche handles goes back to default before the mask opens.
    for (int sig = 1; sig < NSIG; ++sig) {
        struct sigaction action {};
        if (::sigaction(sig, nullptr, &action) != 0)
            continue;
        bool handled = action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN;
        if (handled || sigismember(&defaults_, sig)) {
            action = {};
            action.sa_handler = SIG_DFL;
            ::sigaction(sig, &action, nullptr);
        }
    }
    if (!trace_child_install(trace))
        ::_exit(127);
    ::sigprocmask(SIG_SETMASK, &inherited_mask(), nullptr);
    ::execve(path, argv, environ);
    trace_child_failed(trace, errno);
    ::_exit(127);
}

int fork_detached(int keep, void (*body)(int)) {
    pid_t middle = ::fork();
    if (middle == 0) {
        if (::fork() == 0) {
            sigset_t all;
            sigfillset(&all);
            ::sigprocmask(SIG_SETMASK, &all, nullptr);
            ::setsid();
            if (keep > 0)
                ::syscall(SYS_close_range, 0, keep - 1, 0);
            ::syscall(SYS_close_range, keep + 1, ~0U, 0);
            body(keep);
        }
        ::_exit(0);
    }
    if (middle < 0)
        return errno;
    while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
    }
    return 0;
}

int spawn_detached(const std::string &path, const std::vector<std::string> &argv) {
    SpawnSetup setup;
    setup.detach_files();
    setup.new_session();
    // Everything is allocated before the fork: the middle process of a
    // multi-threaded fleche calls only posix_spawn (glibc's uses clone and
    // mmap, no lock another thread could hold) and _exit.
    auto args = c_argv(argv);
    int status_pipe[2];
    if (::pipe2(status_pipe, O_CLOEXEC) != 0)
        return errno;
    pid_t middle = ::fork();
    if (middle == 0) {
        pid_t pid;
        int rc = setup.start(pid, path.c_str(), args.data());
        (void)!::write(status_pipe[1], &rc, sizeof rc);
        ::_exit(0);
    }
    int error = middle < 0 ? errno : 0;
    ::close(status_pipe[1]);
    if (middle > 0) {
        while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
        }
        int rc = 0;
        error = ::read(status_pipe[0], &rc, sizeof rc) == sizeof rc ? rc : ECHILD;
    }
    ::close(status_pipe[0]);
    return error;
}

} // namespace fleche::exec
