// Tracing a command's file calls with seccomp user notification (Linux >= 5.5,
// SECCOMP_USER_NOTIF_FLAG_CONTINUE): the child installs the filter of
// exec/trace_filter.hpp just before exec and hands the listener fd to us; a
// supervisor thread of ours is told of each stopped call, reads its paths
// (exec/trace_paths.hpp) and lets the kernel run it unchanged. No ptrace: a
// traced command may use strace, gdb or LeakSanitizer, and fleche itself can
// run under strace. The filter is inherited by every descendant.
//
// The rules, from /work/shared/research/tracing.md:
// - The supervisor thread blocks on nothing but the listener: a traced task
//   waits for it at each stopped call.
// - An event is kept only when its notification is still valid after its
//   paths were read (SECCOMP_IOCTL_NOTIF_ID_VALID): the task may have died,
//   and its memory be reused, meanwhile. A path that another thread of the
//   task changes between our read and the kernel's is beyond any tracer.
// - When CMD exits while descendants still hold the filter, they must never
//   meet ENOSYS (what a closed listener gives): the listener goes to a small
//   detached responder that answers CONTINUE until the last of them is gone,
//   and the trace says `outlived`.
// - Where tracing cannot work (old kernel, seccomp refused, a traced fleche
//   inside a traced fleche: EBUSY) the reason is a clear sentence, for
//   "fleche: warning: --trace unavailable (REASON)".
#pragma once

#include "exec/trace_event.hpp"
#include "exec/trace_filter.hpp"
#include "util/fd.hpp"

#include <linux/filter.h>
#include <string>
#include <thread>
#include <vector>

namespace fleche::exec {

// What the child reads between fork and exec: plain data, no allocation.
struct TraceChild {
    sock_fprog program{};
    int socket = -1; // the child's end of the socketpair (close-on-exec)
};

// In the child between fork and exec, async-signal-safe: no_new_privs, the
// filter, the listener sent to the parent. False when that failed (the
// parent is told why): the child must then _exit.
bool trace_child_install(const TraceChild &child);
// In the child, after a failed execve (or set-up step): the parent is told.
void trace_child_failed(const TraceChild &child, int err);

class Tracer {
  public:
    explicit Tracer(const TraceFilterOptions &options = {});
    ~Tracer();
    Tracer(const Tracer &) = delete;
    Tracer &operator=(const Tracer &) = delete;

    // Why tracing does not work here, empty while it may. Known before the
    // start for some reasons (the kernel), after attach() for the others.
    const std::string &unavailable() const { return unavailable_; }
    const TraceChild &child() const { return child_; }

    // In the parent right after the fork: takes the listener and starts the
    // supervisor. 0 when the child execed under the filter; the errno of a
    // failed execve; -1 when tracing could not be set up (unavailable()
    // says why; the child exits with 127 without running anything).
    int attach();
    // After CMD was reaped: stops the supervisor (handing the listener on
    // when descendants remain) and gives the trace.
    Trace finish();

  private:
    void serve();
    void handle_notification();
    void note_incomplete(const std::string &why);

    std::vector<sock_filter> program_;
    TraceChild child_;
    Fd parent_socket_, child_socket_, listener_, stop_;
    std::string unavailable_;
    Trace trace_;
    bool all_gone_ = false; // POLLHUP: no task holds the filter any more
    std::thread supervisor_;
};

} // namespace fleche::exec
