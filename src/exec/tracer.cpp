#include "exec/tracer.hpp"

#include "exec/spawn.hpp"
#include "exec/trace_decode.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace fleche::exec {

namespace {

// The child's one message before exec, and one more if exec fails.
enum Stage : int32_t { stage_listener, stage_no_new_privs, stage_seccomp, stage_exec };
struct Report {
    int32_t stage;
    int32_t error;
};

// From Linux 6.6's <linux/seccomp.h>, newer than Debian 12's headers.
constexpr unsigned long notif_set_flags = SECCOMP_IOW(4, __u64);
constexpr unsigned long notif_fd_sync_wake_up = 1;

// After CMD was reaped, how long its orphans (reaped by init, not by us) may
// take to let go of the filter before they count as outliving it. Only a
// command that leaves a process behind waits this long.
constexpr auto orphan_grace = std::chrono::milliseconds(100);

void send_report(int socket, Report report, int fd) {
    msghdr msg{};
    iovec iov{&report, sizeof report};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    }
    while (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

// One report, and the fd it carried (-1). False at end of file: the child
// execed (the socket is close-on-exec) or died.
bool receive_report(int socket, Report &report, Fd &fd) {
    msghdr msg{};
    iovec iov{&report, sizeof report};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
    }
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int received;
            std::memcpy(&received, CMSG_DATA(c), sizeof received);
            fd.reset(received);
        }
    return n == sizeof report;
}

std::string error_name(int err) {
    const char *name = ::strerrorname_np(err);
    return std::string(name ? name : "error " + std::to_string(err)) + ": " + std::strerror(err);
}

std::string seccomp_refused(int err) {
    switch (err) {
    case EBUSY:
        return "seccomp user notification refused: EBUSY (a traced fleche inside a traced "
               "fleche, or another seccomp supervisor)";
    case EINVAL:
        return "seccomp user notification not supported by this kernel (EINVAL)";
    case ENOSYS:
        return "seccomp not supported by this kernel (ENOSYS)";
    default:
        return "seccomp filter refused: " + error_name(err);
    }
}

// SECCOMP_USER_NOTIF_FLAG_CONTINUE came with Linux 5.5: an older kernel
// would take the first stopped call as unanswerable.
std::string kernel_too_old() {
    utsname u{};
    if (::uname(&u) != 0)
        return {};
    int major = 0, minor = 0;
    if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2)
        return {};
    if (major > 5 || (major == 5 && minor >= 5))
        return {};
    return std::string("Linux ") + u.release +
           " has no seccomp user notification with CONTINUE (needs 5.5)";
}

// The detached responder's whole life: CONTINUE to every stopped call until
// no task holds the filter. Async-signal-safe (it runs in a forked child).
void respond_until_all_gone(int listener) {
    for (;;) {
        pollfd p{listener, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (p.revents & POLLIN) {
            seccomp_notif req;
            std::memset(&req, 0, sizeof req);
            if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
                continue; // ENOENT: the task died meanwhile
            seccomp_notif_resp resp{};
            resp.id = req.id;
            resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
        } else if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
            return;
        }
    }
}

} // namespace

bool trace_child_install(const TraceChild &child) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        send_report(child.socket, {stage_no_new_privs, errno}, -1);
        return false;
    }
    long listener = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                              SECCOMP_FILTER_FLAG_NEW_LISTENER, &child.program);
    if (listener < 0) {
        send_report(child.socket, {stage_seccomp, errno}, -1);
        return false;
    }
    send_report(child.socket, {stage_listener, 0}, static_cast<int>(listener));
    ::close(static_cast<int>(listener));
    return true;
}

void trace_child_failed(const TraceChild &child, int err) {
    send_report(child.socket, {stage_exec, err}, -1);
}

Tracer::Tracer(const TraceFilterOptions &options) : program_(build_trace_filter(options)) {
    unavailable_ = kernel_too_old();
    if (!unavailable_.empty())
        return;
    stop_.reset(::eventfd(0, EFD_CLOEXEC));
    if (!stop_) {
        unavailable_ = "cannot create an eventfd: " + error_name(errno);
        return;
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
        unavailable_ = "cannot create a socket pair: " + error_name(errno);
        return;
    }
    parent_socket_.reset(fds[0]);
    child_socket_.reset(fds[1]);
    child_.socket = fds[1];
    child_.program.len = static_cast<unsigned short>(program_.size());
    child_.program.filter = program_.data();
}

Tracer::~Tracer() {
    if (supervisor_.joinable())
        finish();
}

int Tracer::attach() {
    child_socket_.reset();
    Report report{};
    Fd listener;
    if (!receive_report(parent_socket_.get(), report, listener)) {
        unavailable_ = "the traced process ended before it could install its filter";
        return -1;
    }
    switch (report.stage) {
    case stage_listener:
        break;
    case stage_no_new_privs:
        unavailable_ = "prctl(PR_SET_NO_NEW_PRIVS) refused: " + error_name(report.error);
        return -1;
    case stage_seccomp:
        unavailable_ = seccomp_refused(report.error);
        return -1;
    default: // a set-up step before the filter failed, as a failed exec would
        return report.error;
    }
    if (!listener) {
        unavailable_ = "the seccomp listener was not received";
        return -1;
    }
    listener_ = std::move(listener);
    // Linux >= 6.6: the tracee and the supervisor hand over on one CPU, as a
    // synchronous call would, instead of waking each other across CPUs.
    // Older kernels refuse the ioctl (EINVAL, ENOTTY): no matter.
    ::ioctl(listener_.get(), notif_set_flags, notif_fd_sync_wake_up);
    supervisor_ = std::thread([this] { serve(); });
    Fd none;
    if (receive_report(parent_socket_.get(), report, none) && report.stage == stage_exec)
        return report.error;
    return 0;
}

Trace Tracer::finish() {
    if (supervisor_.joinable()) {
        uint64_t one = 1;
        (void)!::write(stop_.get(), &one, sizeof one);
        supervisor_.join();
    }
    if (listener_ && !all_gone_) {
        trace_.outlived = true;
        if (int err = fork_detached(listener_.get(), respond_until_all_gone))
            note_incomplete("cannot start the responder for the processes left behind: " +
                            error_name(err));
    }
    listener_.reset();
    return std::move(trace_);
}

void Tracer::serve() {
    using clock = std::chrono::steady_clock;
    bool stopping = false;
    clock::time_point deadline;
    for (;;) {
        pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
        int timeout = -1;
        if (stopping) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
            timeout = static_cast<int>(std::max<int64_t>(left.count(), 0));
        }
        int n = ::poll(fds, stopping ? 1 : 2, timeout);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            note_incomplete("the supervisor's poll failed: " + error_name(errno));
            return;
        }
        if (n == 0)
            return; // the grace is over and tasks remain: finish() hands them on
        if (fds[0].revents & POLLIN) {
            handle_notification();
        } else if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            all_gone_ = true;
            return;
        } else if (fds[1].revents & POLLIN) {
            stopping = true;
            deadline = clock::now() + orphan_grace;
        }
    }
}

void Tracer::handle_notification() {
    seccomp_notif req;
    std::memset(&req, 0, sizeof req); // the kernel wants it zeroed
    if (::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
        return; // ENOENT: the task died before we took its call
    TraceEvent event;
    std::string why;
    Decoded decoded = decode_call(req, event, why);
    // Only now is it known that what was read belongs to this call.
    bool valid = ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0;
    if (valid && decoded == Decoded::event)
        trace_.events.push_back(std::move(event));
    else if (valid && decoded == Decoded::incomplete)
        note_incomplete(why);
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

void Tracer::note_incomplete(const std::string &why) {
    if (trace_.incomplete.empty())
        trace_.incomplete = why;
}

} // namespace fleche::exec
