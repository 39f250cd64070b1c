#include "exec/spawn.hpp"

#include "exec/inherited.hpp"
#include "exec/signal_forwarding.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
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
    sigset_t defaults;
    sigemptyset(&defaults);
    SignalForwarding::add_defaults(defaults);
    ::posix_spawnattr_setsigdefault(&attr_, &defaults);
    ::posix_spawnattr_setsigmask(&attr_, &inherited_mask());
    ::posix_spawnattr_setflags(&attr_, flags_);
}

SpawnSetup::~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
}

void SpawnSetup::give(int target, int fd) {
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
