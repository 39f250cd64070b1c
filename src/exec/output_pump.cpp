#include "exec/output_pump.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <poll.h>

namespace fleche::exec {

namespace {

constexpr size_t read_block = 128 * 1024;
// After CMD exits, how long its pipes may stay silent and open before fleche
// returns.
constexpr int exit_grace_ms = 1000;

int target_fd(store::Stream stream) {
    return stream == store::Stream::err ? STDERR_FILENO : STDOUT_FILENO;
}

// What CMD wrote before it exited is at most what its pipe holds; anything
// read beyond that comes from a background process of CMD.
size_t pipe_capacity(int fd) {
    int size = ::fcntl(fd, F_GETPIPE_SZ);
    return size > 0 ? static_cast<size_t>(size) : 0;
}

} // namespace

// The grace counts only time spent waiting for output, never time spent
// writing it: a slow reader downstream (fleche run -- cat big | less) gets
// every byte CMD wrote, however long that takes.
bool pump_output(std::vector<OutputPipe> &pipes, int exited, Delivery &delivery,
                 const OutputSink &sink) {
    // Not zeroed: that alone was most of the pump's instructions on a short run.
    auto buffer = std::make_unique_for_overwrite<char[]>(read_block);
    std::vector<pollfd> fds(pipes.size() + 1);
    std::vector<size_t> left(pipes.size()); // bytes CMD may still have left in each pipe
    bool cmd_exited = false;
    for (;;) {
        size_t open = 0;
        for (size_t i = 0; i < pipes.size(); ++i) {
            fds[i] = {pipes[i].read.get(), POLLIN, 0};
            open += pipes[i].read ? 1 : 0;
        }
        if (open == 0)
            return true;
        fds.back() = {cmd_exited ? -1 : exited, POLLIN, 0};
        int ready = ::poll(fds.data(), fds.size(), cmd_exited ? exit_grace_ms : -1);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            throw Error(errno_message("poll failed", errno));
        }
        if (ready == 0)
            return false; // CMD is gone, and whoever holds its pipes is silent
        if (fds.back().revents != 0) {
            cmd_exited = true;
            for (size_t i = 0; i < pipes.size(); ++i)
                left[i] = pipes[i].read ? pipe_capacity(pipes[i].read.get()) : 0;
        }
        for (size_t i = 0; i < pipes.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t n = read_some(fds[i].fd, buffer.get(), read_block);
            if (n <= 0) {
                pipes[i].read.reset();
                continue;
            }
            // Delivered first: recording may wait for room (see the sink).
            if (!delivery.write(target_fd(pipes[i].stream), buffer.get(), static_cast<size_t>(n)))
                pipes[i].read.reset();
            sink(pipes[i].stream, buffer.get(), static_cast<size_t>(n));
            if (cmd_exited) {
                if (static_cast<size_t>(n) > left[i])
                    return false; // a background process of CMD is writing
                left[i] -= static_cast<size_t>(n);
            }
        }
    }
}

} // namespace fleche::exec
