#include "exec/trace_filter.hpp"

#include <cerrno>
#include <cstddef>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

namespace fleche::exec {

namespace {

using C = TraceEvent::Call;

// Arguments by position: (path), (dirfd, path), and the two-path forms.
constexpr TracedCall path0(int nr, C call, int8_t flags = -1) {
    TracedCall c{nr, call};
    c.path = 0;
    c.flags = flags;
    return c;
}
constexpr TracedCall at1(int nr, C call, int8_t flags = -1, bool at_flags = false) {
    TracedCall c{nr, call};
    c.dirfd = 0;
    c.path = 1;
    c.flags = flags;
    c.at_flags = at_flags;
    return c;
}
constexpr TracedCall two_paths(int nr, C call) {
    TracedCall c{nr, call};
    c.path = 0;
    c.path2 = 1;
    return c;
}
constexpr TracedCall two_at(int nr, C call, int8_t flags = -1) {
    TracedCall c{nr, call};
    c.dirfd = 0;
    c.path = 1;
    c.dirfd2 = 2;
    c.path2 = 3;
    c.flags = flags;
    c.at_flags = flags >= 0;
    return c;
}
constexpr TracedCall on_fd(int nr, C call) {
    TracedCall c{nr, call};
    c.fd = 0;
    return c;
}
constexpr TracedCall openat2_call() {
    TracedCall c = at1(SYS_openat2, C::open, 2);
    c.open_how = true;
    return c;
}
constexpr TracedCall symlinkat_call() {
    // symlinkat(target, newdirfd, linkpath): path is the link text, kept raw.
    TracedCall c{SYS_symlinkat, C::symlink};
    c.path = 0;
    c.dirfd2 = 1;
    c.path2 = 2;
    return c;
}
constexpr TracedCall escape(int nr) {
    TracedCall c{nr, C::probe};
    c.escape = true;
    return c;
}

constexpr TracedCall calls[] = {
    path0(SYS_open, C::open, 1),
    at1(SYS_openat, C::open, 2),
    openat2_call(),
    path0(SYS_creat, C::open),
    path0(SYS_stat, C::probe),
    path0(SYS_lstat, C::probe),
    at1(SYS_newfstatat, C::probe, 3, true),
    at1(SYS_statx, C::probe, 2, true),
    path0(SYS_access, C::probe),
    at1(SYS_faccessat, C::probe),
    at1(SYS_faccessat2, C::probe, 3, true),
    path0(SYS_execve, C::exec),
    at1(SYS_execveat, C::exec, 4, true),
    on_fd(SYS_getdents64, C::list),
    on_fd(SYS_getdents, C::list),
    two_paths(SYS_rename, C::rename),
    two_at(SYS_renameat, C::rename),
    two_at(SYS_renameat2, C::rename),
    path0(SYS_unlink, C::remove),
    at1(SYS_unlinkat, C::remove),
    path0(SYS_rmdir, C::remove),
    path0(SYS_mkdir, C::mkdir),
    at1(SYS_mkdirat, C::mkdir),
    path0(SYS_mknod, C::mkdir),
    at1(SYS_mknodat, C::mkdir),
    two_paths(SYS_link, C::link),
    two_at(SYS_linkat, C::link, 4),
    two_paths(SYS_symlink, C::symlink),
    symlinkat_call(),
    path0(SYS_truncate, C::truncate),
    // A change of directory is a lookup of it (it may fail: missing); the
    // cwd itself is read from /proc/PID/cwd at each relative event.
    path0(SYS_chdir, C::probe),
    on_fd(SYS_fchdir, C::probe),
    // Opens a file without a path: what it reads cannot be named.
    escape(SYS_open_by_handle_at),
    // Last: only when TraceFilterOptions::readlink.
    path0(SYS_readlink, C::probe),
    at1(SYS_readlinkat, C::probe),
};
constexpr size_t readlink_calls = 2;

sock_filter stmt(uint16_t code, uint32_t k) {
    return BPF_STMT(code, k);
}
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
    return BPF_JUMP(code, k, jt, jf);
}

} // namespace

std::span<const TracedCall> trace_calls() {
    return calls;
}

const TracedCall *traced_call(int nr) {
    for (const auto &c : calls)
        if (c.nr == nr)
            return &c;
    return nullptr;
}

std::vector<sock_filter> build_trace_filter(const TraceFilterOptions &options) {
    size_t n = std::size(calls) - (options.readlink ? 0 : readlink_calls);
    std::vector<sock_filter> prog;
    // Layout: [0..4] the ABI checks, one jeq per call, then three returns:
    // allow, notify, errno. Offsets are counted to those returns.
    size_t allow = 5 + n, notify = allow + 1, enosys = notify + 1;
    auto to = [&](size_t target) { return static_cast<uint8_t>(target - prog.size() - 1); };
    prog.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    prog.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, to(notify)));
    prog.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
    prog.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, __X32_SYSCALL_BIT, to(notify), 0));
    prog.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, to(enosys), 0));
    for (size_t i = 0; i < n; ++i)
        prog.push_back(
            jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(calls[i].nr), to(notify), 0));
    prog.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    prog.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
    prog.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
    return prog;
}

} // namespace fleche::exec
