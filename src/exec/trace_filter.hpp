// The seccomp BPF program of a traced run (exec/tracer.hpp), and the table of
// the system calls it stops, which the supervisor also uses to decode them.
//
// Built by hand rather than with libseccomp: it is one small fixed filter
// (an arch check and one comparison per call, about 50 instructions), and
// libseccomp would be a new dependency of the static binary for it.
//
// What the filter answers, in order:
// - a call from another ABI (32-bit int 0x80: arch is not x86-64; x32: the
//   number carries __X32_SYSCALL_BIT): notify, and the supervisor marks the
//   trace incomplete (those numbers mean other calls);
// - io_uring_setup: fails with ENOSYS, because the file operations of an
//   io_uring are not system calls and seccomp never sees them (programs fall
//   back to ordinary calls);
// - the calls of trace_calls(): notify (SECCOMP_RET_USER_NOTIF);
// - everything else: allow, at full speed.
#pragma once

#include "exec/trace_event.hpp"

#include <cstdint>
#include <linux/filter.h>
#include <span>
#include <vector>

namespace fleche::exec {

// Where a traced call keeps its arguments. An index is into
// seccomp_data.args; -1 when the call has no such argument.
struct TracedCall {
    int nr;
    TraceEvent::Call call;
    int8_t dirfd = -1;  // the directory fd `path` is relative to (AT_FDCWD...)
    int8_t path = -1;   // a pointer to the path; -1: the call names an fd
    int8_t dirfd2 = -1; // the same for path2 (rename, link)
    int8_t path2 = -1;
    int8_t flags = -1;     // open flags (open, openat) or AT_* flags
    bool at_flags = false; // `flags` holds AT_* flags (AT_EMPTY_PATH)
    bool open_how = false; // openat2: flags are in struct open_how at args[2]
    int8_t fd = -1;        // the fd an fd-only call acts on (getdents64, fchdir)
    bool escape = false;   // a call that makes the trace incomplete
};

struct TraceFilterOptions {
    // readlink and readlinkat (reported as probes): off by default, they are
    // two thirds of the file calls of `gcc -c` and add 1.17x -> 1.59x.
    bool readlink = false;
};

// Every call the filter stops, readlink ones included (see the options).
std::span<const TracedCall> trace_calls();
// The entry of `nr`, or nullptr when it is not traced.
const TracedCall *traced_call(int nr);

std::vector<sock_filter> build_trace_filter(const TraceFilterOptions &options);

} // namespace fleche::exec
