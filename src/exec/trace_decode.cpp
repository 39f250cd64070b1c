#include "exec/trace_decode.hpp"

#include "exec/trace_filter.hpp"
#include "exec/trace_paths.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <sys/syscall.h>

namespace fleche::exec {

namespace {

int as_int(uint64_t arg) {
    return static_cast<int>(static_cast<uint32_t>(arg));
}

struct Args {
    pid_t pid;
    const __u64 *args;

    // The path at args[path] relative to the fd at args[dirfd] (AT_FDCWD
    // without one). An empty path names that fd itself when `empty_ok`
    // (AT_EMPTY_PATH); otherwise the call fails with ENOENT.
    Read path(int dirfd, int path, bool empty_ok, std::string &out) const {
        std::string raw;
        if (Read r = read_string(pid, args[path], raw); r != Read::ok)
            return r;
        int fd = dirfd >= 0 ? as_int(args[dirfd]) : AT_FDCWD;
        if (raw.empty()) {
            if (!empty_ok)
                return Read::gone;
            if (Read r = fd_path(pid, fd, out); r != Read::ok)
                return r;
            out = lexically_clean(out);
            return Read::ok;
        }
        return resolve(pid, fd, raw, out);
    }
};

Read decode_paths(const TracedCall &c, const Args &a, uint64_t flags, TraceEvent &event) {
    if (c.fd >= 0) {
        if (Read r = fd_path(a.pid, as_int(a.args[c.fd]), event.path); r != Read::ok)
            return r;
        event.path = lexically_clean(event.path);
        return Read::ok;
    }
    bool empty_ok = c.at_flags && (flags & AT_EMPTY_PATH);
    if (c.call == TraceEvent::Call::symlink) {
        // The link text is not a path of ours: kept as given.
        if (Read r = read_string(a.pid, a.args[c.path], event.path); r != Read::ok)
            return r;
    } else if (Read r = a.path(c.dirfd, c.path, empty_ok, event.path); r != Read::ok) {
        return r;
    }
    if (c.path2 < 0)
        return Read::ok;
    return a.path(c.dirfd2, c.path2, false, event.path2);
}

} // namespace

Decoded decode_call(const seccomp_notif &n, TraceEvent &event, std::string &why) {
    if (n.data.arch != AUDIT_ARCH_X86_64) {
        why = "a 32-bit system call (int 0x80)";
        return Decoded::incomplete;
    }
    if (n.data.nr & __X32_SYSCALL_BIT) {
        why = "an x32 system call";
        return Decoded::incomplete;
    }
    const TracedCall *c = traced_call(n.data.nr);
    if (!c || c->escape) {
        why = c ? "open_by_handle_at (a file opened without a path)"
                : "system call " + std::to_string(n.data.nr) + " is not decoded";
        return Decoded::incomplete;
    }
    Args a{static_cast<pid_t>(n.pid), n.data.args};
    event = TraceEvent{};
    event.call = c->call;
    event.pid = a.pid;
    uint64_t flags = c->flags >= 0 ? a.args[c->flags] : 0;
    Read r = Read::ok;
    if (c->open_how)
        r = read_memory(a.pid, a.args[2], &flags, sizeof flags); // open_how.flags comes first
    if (c->call == TraceEvent::Call::open)
        event.open_flags = c->nr == SYS_creat ? O_CREAT | O_WRONLY | O_TRUNC : as_int(flags);
    if (r == Read::ok)
        r = decode_paths(*c, a, flags, event);
    switch (r) {
    case Read::ok:
        return Decoded::event;
    case Read::gone:
        return Decoded::dropped;
    case Read::refused:
        break;
    }
    why = "cannot read the arguments of process " + std::to_string(a.pid) +
          " (ptrace access refused)";
    return Decoded::incomplete;
}

} // namespace fleche::exec
