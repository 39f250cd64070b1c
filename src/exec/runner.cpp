// CMD is started with posix_spawn(3): unlike Boost.Process v2's launcher,
// which closes every fd it was not told about (fleche run -- cat <(echo hi)
// then fails), it passes on what the caller gave, and it sets the signal
// mask and dispositions in the child (POSIX_SPAWN_SETSIGMASK, SETSIGDEF)
// without code of ours running between fork and exec. fleche's own fds are
// all close-on-exec.
#include "exec/runner.hpp"

#include "exec/inherited.hpp"
#include "exec/signal_forwarding.hpp"
#include "exec/spawn.hpp"
#include "exec/tracer.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fleche::exec {

namespace {

struct Pipe {
    Fd read, write;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            throw Error(errno_message("cannot create a pipe", errno));
        read.reset(fds[0]);
        write.reset(fds[1]);
        // Larger pipes mean fewer wake-ups when CMD writes a lot.
        ::fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
    }
};

int64_t to_ns(const timeval &tv) {
    return int64_t(tv.tv_sec) * 1000000000 + tv.tv_usec * 1000;
}

// A pidfd says when CMD exits even while a background process of it holds
// the pipes open. -1 on kernels without pidfd_open (before 5.3).
Fd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#else
    (void)pid;
    return Fd();
#endif
}

// Starts CMD traced when asked and possible; otherwise as always, with the
// reason in `result`. `tracer` is reset when tracing is not on.
int start(const SpawnSetup &setup, pid_t &pid, const char *path, char *const *argv,
          std::optional<Tracer> &tracer, RunResult &result) {
    if (tracer && tracer->unavailable().empty()) {
        int rc = setup.start_traced(pid, path, argv, *tracer);
        if (rc != -1)
            return rc;
    }
    if (tracer) {
        result.trace_unavailable = tracer->unavailable();
        tracer.reset();
    }
    return setup.start(pid, path, argv);
}

} // namespace

RunResult run_process(const std::string &executable, const std::vector<std::string> &argv,
                      int stdin_fd, const OutputSink &sink, const RunOptions &options) {
    std::vector<char *> c_argv;
    for (const auto &arg : argv)
        c_argv.push_back(const_cast<char *>(arg.c_str()));
    c_argv.push_back(nullptr);

    // A closed fd stays closed for CMD: it meets the EBADF that it would
    // have met without fleche, and nothing of it is captured.
    bool merged = stdout_is_stderr();
    std::optional<Pipe> out, err;
    if (!std_fd_closed(STDOUT_FILENO))
        out.emplace();
    if (!merged && !std_fd_closed(STDERR_FILENO))
        err.emplace();
    SpawnSetup setup;
    if (stdin_fd >= 0)
        setup.give(STDIN_FILENO, stdin_fd);
    else if (std_fd_closed(STDIN_FILENO))
        setup.give(STDIN_FILENO, -1);
    setup.give(STDOUT_FILENO, out ? out->write.get() : -1);
    setup.give(STDERR_FILENO, merged ? out->write.get() : err ? err->write.get() : -1);

    SignalForwarding forwarding;
    RunResult result;
    result.started_ns = now_ns();
    pid_t pid = 0;
    std::optional<Tracer> tracer;
    if (options.trace)
        tracer.emplace(options.trace_filter);
    int rc = start(setup, pid, executable.c_str(), c_argv.data(), tracer, result);
    if (rc != 0) {
        int code = rc == ENOENT ? exit_not_found : exit_cannot_execute;
        throw Error(argv[0] + ": " + std::strerror(rc), code);
    }
    forwarding.started(pid);
    Fd exited = open_pidfd(pid);

    std::vector<OutputPipe> pipes;
    if (out)
        pipes.push_back(
            {std::move(out->read), merged ? store::Stream::merged : store::Stream::out});
    if (err)
        pipes.push_back({std::move(err->read), store::Stream::err});
    out.reset(); // our copies of the write ends: CMD holds the only ones now
    err.reset();
    result.output_held_open = !pump_output(pipes, exited.get(), result.delivery, sink);
    pipes.clear(); // whoever still writes there gets EPIPE, not a stall

    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR)
            throw Error(errno_message("cannot wait for " + argv[0], errno));
    }
    result.stopped_ns = now_ns();
    result.received_signal = forwarding.received();
    if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    else
        result.exit_code = WEXITSTATUS(status);
    result.user_ns = to_ns(usage.ru_utime);
    result.system_ns = to_ns(usage.ru_stime);
    result.max_rss_kb = usage.ru_maxrss;
    if (tracer)
        result.trace = tracer->finish();
    return result;
}

} // namespace fleche::exec
