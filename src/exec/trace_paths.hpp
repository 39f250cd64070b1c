// Reading and naming the paths of a traced call, while the calling task is
// stopped in its notification (exec/tracer.cpp). Needs ptrace-mode access to
// the task (our own descendants: yes, unless a container forbids it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace fleche::exec {

// How reading a task's memory or /proc entry went.
enum class Read : uint8_t {
    ok,
    gone,    // no such path for the kernel either (bad pointer, too long,
             // not a directory fd): the call fails, nothing was accessed
    refused, // we may not look (EPERM, EACCES): the trace is incomplete
};

// The NUL-terminated string at `address` in `pid`, at most PATH_MAX bytes
// with the NUL. Read page by page: a string may end just before an unmapped
// page, which a longer read would fail on.
Read read_string(pid_t pid, uint64_t address, std::string &out);
// `size` bytes at `address` in `pid`.
Read read_memory(pid_t pid, uint64_t address, void *buffer, size_t size);

// What the fd `fd` of `pid` names, as /proc/PID/fd/FD says: AT_FDCWD names
// the task's cwd. `gone` when it is no file of the file system (a pipe, a
// socket) or the task has no such fd.
Read fd_path(pid_t pid, int fd, std::string &out);

// `path` relative to the fd `dirfd` of `pid` (AT_FDCWD: its cwd), absolute
// and lexically clean. An absolute path is only cleaned.
Read resolve(pid_t pid, int dirfd, const std::string &path, std::string &out);

// Without empty and "." components and trailing slashes; ".." is kept (a
// symlink before it decides what it names). `path` is absolute.
std::string lexically_clean(std::string_view path);

} // namespace fleche::exec
