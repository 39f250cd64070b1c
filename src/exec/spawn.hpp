// The one way fleche starts a process: posix_spawn(3), for CMD (runner.cpp),
// the background refresh (engine/expiry.cpp) and automatic gc
// (store/auto_gc.cpp). Nothing of ours runs between fork and exec, so a
// multi-threaded fleche with an open SQLite connection can start processes
// safely, and the child gets the signal state fleche inherited from its
// caller (dispositions and mask, see exec/inherited.hpp), not fleche's own.
// fleche's own fds are all close-on-exec; a detached process gets none at all.
//
// A traced start (exec/tracer.hpp) is the exception: posix_spawn cannot
// install a seccomp filter, so it forks and a child of ours applies the same
// setup by hand (async-signal-safe), installs the filter and execs. The
// untraced start stays posix_spawn, with not one system call more.
#pragma once

#include <csignal>
#include <spawn.h>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace fleche::exec {

class Tracer;

// posix_spawn's attribute and file-action objects, released in any case.
// Set up with the signal mask fleche inherited and every signal fleche
// handles or ignores for itself (SIGPIPE, the forwarded ones) back at the
// disposition the caller gave.
class SpawnSetup {
  public:
    SpawnSetup();
    ~SpawnSetup();
    SpawnSetup(const SpawnSetup &) = delete;
    SpawnSetup &operator=(const SpawnSetup &) = delete;

    // The child's fd `target` is `fd`, or closed when fd < 0.
    void give(int target, int fd);
    // fds 0-2 on /dev/null, every other fd closed.
    void detach_files();
    // The child leads a new session: no controlling terminal, and no signal
    // sent to the caller's process group (^C) reaches it.
    void new_session();

    // Starts `path` (no PATH search) with `argv` and fleche's environment.
    // 0, or the errno that posix_spawn returned.
    int start(pid_t &pid, const std::string &path, const std::vector<std::string> &argv) const;
    // The same without allocating (after a fork).
    int start(pid_t &pid, const char *path, char *const *argv) const;
    // The same, under `tracer`'s filter, installed just before exec. -1
    // when tracing could not be set up: then nothing was started and
    // tracer.unavailable() says why. Not with detach_files().
    int start_traced(pid_t &pid, const char *path, char *const *argv, Tracer &tracer) const;

  private:
    [[noreturn]] void traced_child(const char *path, char *const *argv, const Tracer &tracer) const;

    posix_spawnattr_t attr_;
    posix_spawn_file_actions_t actions_;
    short flags_;
    // The same setup again, for start_traced's child.
    std::vector<std::pair<int, int>> gives_; // (target, fd)
    sigset_t defaults_;
};

// Starts `path` with `argv` detached from the caller: its own session, fds
// 0-2 on /dev/null and no other fd. It is started by a short-lived middle
// process that we wait for, so it is adopted by init (or the nearest
// subreaper) and never becomes a zombie of ours, and our waitpid(-1) never
// meets it. Returns 0 or an errno (of fork, or of posix_spawn in the middle
// process: then nothing was started).
int spawn_detached(const std::string &path, const std::vector<std::string> &argv);

// Runs `body(keep)` in a process detached as spawn_detached's are, that holds
// no fd but `keep` and has every signal blocked, then exits. `body` runs in
// a fork of a multi-threaded process: async-signal-safe calls only. For the
// tracer's responder, which must outlive fleche. 0 or an errno of fork.
int fork_detached(int keep, void (*body)(int));

} // namespace fleche::exec
