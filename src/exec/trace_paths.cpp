#include "exec/trace_paths.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

namespace fleche::exec {

namespace {

constexpr uint64_t page = 4096;

Read classify(int err) {
    return err == EPERM || err == EACCES ? Read::refused : Read::gone;
}

// "/proc/PID/cwd" or "/proc/PID/fd/FD", without allocating.
void proc_link(char (&out)[64], pid_t pid, int fd) {
    char *p = out;
    auto put = [&](const char *s) {
        while (*s)
            *p++ = *s++;
    };
    auto number = [&](long n) {
        char digits[24];
        int k = 0;
        do
            digits[k++] = static_cast<char>('0' + n % 10);
        while (n /= 10);
        while (k)
            *p++ = digits[--k];
    };
    put("/proc/");
    number(pid);
    if (fd == AT_FDCWD) {
        put("/cwd");
    } else {
        put("/fd/");
        number(fd);
    }
    *p = 0;
}

} // namespace

Read read_memory(pid_t pid, uint64_t address, void *buffer, size_t size) {
    iovec local{buffer, size};
    iovec remote{reinterpret_cast<void *>(address), size};
    ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n == static_cast<ssize_t>(size))
        return Read::ok;
    return n < 0 ? classify(errno) : Read::gone;
}

Read read_string(pid_t pid, uint64_t address, std::string &out) {
    out.clear();
    char chunk[page];
    while (out.size() < PATH_MAX) {
        size_t size = page - address % page;
        size = std::min<size_t>(size, PATH_MAX - out.size());
        if (Read r = read_memory(pid, address, chunk, size); r != Read::ok)
            return r;
        if (const void *end = std::memchr(chunk, 0, size)) {
            out.append(chunk, static_cast<const char *>(end) - chunk);
            return Read::ok;
        }
        out.append(chunk, size);
        address += size;
    }
    return Read::gone; // ENAMETOOLONG for the kernel too
}

Read fd_path(pid_t pid, int fd, std::string &out) {
    char link[64];
    proc_link(link, pid, fd);
    char target[PATH_MAX];
    ssize_t n = ::readlink(link, target, sizeof target);
    if (n < 0)
        return errno == ENOENT ? Read::gone : classify(errno);
    if (n == 0 || target[0] != '/')
        return Read::gone; // "pipe:[123]", "anon_inode:..."
    out.assign(target, static_cast<size_t>(n));
    return Read::ok;
}

Read resolve(pid_t pid, int dirfd, const std::string &path, std::string &out) {
    if (!path.empty() && path[0] == '/') {
        out = lexically_clean(path);
        return Read::ok;
    }
    std::string base;
    if (Read r = fd_path(pid, dirfd, base); r != Read::ok)
        return r;
    base += '/';
    base += path;
    out = lexically_clean(base);
    return Read::ok;
}

std::string lexically_clean(std::string_view path) {
    std::string out;
    out.reserve(path.size());
    size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/')
            ++i;
        size_t end = path.find('/', i);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view part = path.substr(i, end - i);
        if (!part.empty() && part != ".") {
            out += '/';
            out += part;
        }
        i = end;
    }
    return out.empty() ? "/" : out;
}

} // namespace fleche::exec
