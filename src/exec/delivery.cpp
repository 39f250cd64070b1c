#include "exec/delivery.hpp"

#include "exec/inherited.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

namespace fleche::exec {

namespace {

const char *stream_name(int fd) {
    return fd == 1 ? "stdout" : "stderr";
}

} // namespace

bool Delivery::write(int fd, const char *data, size_t size) {
    if (error_[fd] != 0)
        return false;
    if (size == 0)
        return true;
    // The fd was closed by the caller and holds /dev/null only so that
    // fleche's own files cannot take its place.
    int err = std_fd_closed(fd) ? EBADF : 0;
    if (err == 0 && write_all(fd, data, size))
        return true;
    if (err == 0)
        err = errno;
    error_[fd] = err;
    if (err != EPIPE) {
        // Appended, not joined with +: GCC 12 -O2 warns of a false
        // out-of-bounds copy in the + chain (-Warray-bounds).
        std::string message = "error: writing ";
        message.append(stream_name(fd)).append(": ").append(std::strerror(err));
        say(message);
    }
    return false;
}

std::string Delivery::failure() const {
    for (int fd : {1, 2}) {
        if (error_[fd] != 0) {
            std::string failure = "writing "; // appended: see write()
            failure.append(stream_name(fd)).append(" failed (");
            return failure.append(std::strerror(error_[fd])).append(")");
        }
    }
    return {};
}

int Delivery::status(int status) const {
    if (status != 0 || whole())
        return status;
    // A write error says more than a reader gone from the other fd.
    return write_failed() ? 1 : 128 + SIGPIPE;
}

} // namespace fleche::exec
