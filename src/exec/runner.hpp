// Runs CMD with stdout and stderr on pipes, copies what it writes to our own
// fds 1 and 2 as it arrives (so the user sees it live) and hands each piece to
// a sink that records the log. CMD gets what fleche inherited: the other fds,
// signal dispositions and mask, closed std fds closed. When our fds 1 and 2
// are one file, CMD gets one pipe for both and the log is merged, in exact
// order. SIGINT, SIGTERM and SIGHUP sent to fleche are forwarded to CMD.
#pragma once

#include "exec/delivery.hpp"
#include "exec/output_pump.hpp"
#include "exec/trace_event.hpp"
#include "exec/trace_filter.hpp"
#include "store/output_log.hpp"

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleche::exec {

struct RunResult {
    int exit_code = 0;                      // when CMD exited
    int signal = 0;                         // when CMD was killed by a signal (then never stored)
    int received_signal = 0;                // forwarded to CMD: the run was disturbed
    bool output_held_open = false;          // a background process of CMD kept the pipes
    Delivery delivery;                      // how writing to our fds 1 and 2 went
    int64_t started_ns = 0, stopped_ns = 0; // wall clock, ns since the epoch
    int64_t user_ns = 0, system_ns = 0;     // CPU time of CMD and its children
    int64_t max_rss_kb = 0;
    // RunOptions::trace: the trace, or (nullopt) why tracing was unavailable;
    // CMD then ran untraced all the same.
    std::optional<Trace> trace;
    std::string trace_unavailable;

    // What fleche exits with: CMD's code, or 128 + signal; never 0 when
    // output was lost. After a write error fleche closes CMD's pipe, and the
    // SIGPIPE that CMD then dies of stands for the error it would have met.
    int status() const {
        if (signal == SIGPIPE && delivery.write_failed())
            return 1;
        return delivery.status(signal ? 128 + signal : exit_code);
    }
    int64_t wall_ns() const { return stopped_ns - started_ns; }
};

struct RunOptions {
    bool trace = false; // run CMD under the tracer (exec/tracer.hpp)
    TraceFilterOptions trace_filter;
};

// `executable` is run with `argv` (argv[0] as the user typed it). stdin_fd
// < 0 lets CMD inherit our stdin. Throws Error with status 126 or 127 when
// CMD cannot be started. The sink must not throw.
RunResult run_process(const std::string &executable, const std::vector<std::string> &argv,
                      int stdin_fd, const OutputSink &sink, const RunOptions &options = {});

} // namespace fleche::exec
