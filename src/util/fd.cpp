#include "util/fd.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <fcntl.h>

namespace fleche {

ssize_t read_some(int fd, void *buffer, size_t size) {
    for (;;) {
        ssize_t n = ::read(fd, buffer, size);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

bool write_all(int fd, const void *data, size_t size) {
    const char *p = static_cast<const char *>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

std::string read_file(const std::string &path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw Error(errno_message("cannot read '" + path + "'", errno));
    return read_rest(fd.get(), path);
}

std::string read_rest(int fd, const std::string &path) {
    std::string out;
    char buffer[65536];
    for (;;) {
        ssize_t n = read_some(fd, buffer, sizeof buffer);
        if (n < 0)
            throw Error(errno_message("cannot read '" + path + "'", errno));
        if (n == 0)
            return out;
        out.append(buffer, static_cast<size_t>(n));
    }
}

} // namespace fleche
