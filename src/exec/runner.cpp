// The only file that includes Boost.Process (and so Boost.Asio): keeping them
// here keeps compile times and the hit path free of them.
#include "exec/runner.hpp"

#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>

namespace bp = boost::process::v2;

namespace fleche::exec {

namespace {

constexpr int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr size_t read_block = 128 * 1024;

std::atomic<pid_t> child_pid{0};
std::atomic<int> pending_signal{0};

// A signal from the terminal (si_code SI_KERNEL) reaches CMD directly through
// its process group; forwarding it as well would deliver it twice.
void forward_signal(int sig, siginfo_t *info, void *) {
    if (info && info->si_code == SI_KERNEL)
        return;
    pid_t pid = child_pid.load();
    if (pid > 0)
        ::kill(pid, sig);
    else
        pending_signal.store(sig);
}

class SignalForwarding {
  public:
    SignalForwarding() {
        struct sigaction action {};
        action.sa_sigaction = forward_signal;
        action.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&action.sa_mask);
        for (size_t i = 0; i < std::size(forwarded_signals); ++i)
            ::sigaction(forwarded_signals[i], &action, &saved_[i]);
    }
    ~SignalForwarding() {
        for (size_t i = 0; i < std::size(forwarded_signals); ++i)
            ::sigaction(forwarded_signals[i], &saved_[i], nullptr);
        child_pid.store(0);
    }

  private:
    struct sigaction saved_[std::size(forwarded_signals)];
};

// Gives CMD argv[0] as the user typed it (Boost.Process would pass the
// resolved path) and the default SIGPIPE disposition that fleche ignores.
struct ChildSetup {
    const char *const *argv;
    bp::error_code on_setup(bp::posix::default_launcher &, const bp::filesystem::path &,
                            const char *const *(&cmd_line)) {
        cmd_line = argv;
        return {};
    }
    bp::error_code on_exec_setup(bp::posix::default_launcher &, const bp::filesystem::path &,
                                 const char *const *) {
        ::signal(SIGPIPE, SIG_DFL);
        for (int sig : forwarded_signals)
            ::signal(sig, SIG_DFL);
        return {};
    }
};

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

// Copies CMD's output to our fds and the sink until both pipes close. A
// closed stdout of ours (fleche ... | head) must not stop the capture.
void pump(Pipe &out, Pipe &err, const OutputSink &sink) {
    pollfd fds[2] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}};
    const Stream streams[2] = {Stream::out, Stream::err};
    bool writable[2] = {true, true};
    std::vector<char> buffer(read_block);
    int open = 2;
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            throw Error(errno_message("poll failed", errno));
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t n = read_some(fds[i].fd, buffer.data(), buffer.size());
            if (n <= 0) {
                fds[i].fd = -1;
                --open;
                continue;
            }
            int target = streams[i] == Stream::out ? STDOUT_FILENO : STDERR_FILENO;
            if (writable[i] && !write_all(target, buffer.data(), static_cast<size_t>(n)))
                writable[i] = false;
            sink(streams[i], buffer.data(), static_cast<size_t>(n));
        }
    }
}

int64_t to_ns(const timeval &tv) { return int64_t(tv.tv_sec) * 1000000000 + tv.tv_usec * 1000; }

} // namespace

RunResult run_process(const std::string &executable, const std::vector<std::string> &argv,
                      int stdin_fd, const OutputSink &sink) {
    std::vector<const char *> c_argv;
    for (const auto &arg : argv)
        c_argv.push_back(arg.c_str());
    c_argv.push_back(nullptr);

    Pipe out, err;
    SignalForwarding forwarding;
    RunResult result;
    result.started_ns = now_ns();

    boost::asio::io_context context;
    bp::posix::default_launcher launcher;
    bp::error_code ec;
    std::vector<std::string> no_args;
    auto process = launcher(context.get_executor(), ec, executable, no_args,
                            bp::process_stdio{stdin_fd < 0 ? STDIN_FILENO : stdin_fd,
                                              out.write.get(), err.write.get()},
                            ChildSetup{c_argv.data()});
    if (ec) {
        int code = ec.value() == ENOENT ? exit_not_found : exit_cannot_execute;
        throw Error(argv[0] + ": " + ec.message(), code);
    }
    pid_t pid = process.id();
    process.detach(); // we reap it with wait4() to get its resource usage
    child_pid.store(pid);
    if (int sig = pending_signal.exchange(0))
        ::kill(pid, sig);
    out.write.reset();
    err.write.reset();

    pump(out, err, sink);

    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR)
            throw Error(errno_message("cannot wait for " + argv[0], errno));
    }
    result.stopped_ns = now_ns();
    if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    else
        result.exit_code = WEXITSTATUS(status);
    result.user_ns = to_ns(usage.ru_utime);
    result.system_ns = to_ns(usage.ru_stime);
    result.max_rss_kb = usage.ru_maxrss;
    return result;
}

} // namespace fleche::exec
