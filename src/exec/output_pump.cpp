#include "exec/output_pump.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <chrono>
#include <poll.h>

namespace fleche::exec {

namespace {

constexpr size_t read_block = 128 * 1024;
// After CMD exits, how long its pipes may stay open before fleche returns.
constexpr std::chrono::milliseconds exit_grace{1000};

using Clock = std::chrono::steady_clock;

int target_fd(Stream stream) {
    return stream == Stream::err ? STDERR_FILENO : STDOUT_FILENO;
}

} // namespace

bool pump_output(std::vector<OutputPipe> &pipes, int exited, Delivery &delivery,
                 const OutputSink &sink) {
    std::vector<char> buffer(read_block);
    std::vector<pollfd> fds(pipes.size() + 1);
    Clock::time_point deadline{};
    bool cmd_exited = exited < 0; // without a pidfd: wait for the pipes alone
    for (;;) {
        size_t open = 0;
        for (size_t i = 0; i < pipes.size(); ++i) {
            fds[i] = {pipes[i].read.get(), POLLIN, 0};
            open += pipes[i].read ? 1 : 0;
        }
        if (open == 0)
            return true;
        fds.back() = {cmd_exited ? -1 : exited, POLLIN, 0};
        int timeout = -1;
        if (deadline != Clock::time_point{}) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0)
                return false;
            timeout = static_cast<int>(left.count());
        }
        if (::poll(fds.data(), fds.size(), timeout) < 0) {
            if (errno == EINTR)
                continue;
            throw Error(errno_message("poll failed", errno));
        }
        if (fds.back().revents != 0) {
            cmd_exited = true;
            deadline = Clock::now() + exit_grace;
        }
        for (size_t i = 0; i < pipes.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t n = read_some(fds[i].fd, buffer.data(), buffer.size());
            if (n <= 0) {
                pipes[i].read.reset();
                continue;
            }
            sink(pipes[i].stream, buffer.data(), static_cast<size_t>(n));
            if (!delivery.write(target_fd(pipes[i].stream), buffer.data(), static_cast<size_t>(n)))
                pipes[i].read.reset();
        }
    }
}

} // namespace fleche::exec
