// Runs CMD with stdout and stderr on pipes, copies what it writes to our own
// fds 1 and 2 as it arrives (so the user sees it live) and hands each piece to
// a sink that records the log. SIGINT, SIGTERM and SIGHUP sent to fleche are
// forwarded to CMD while it runs.
#pragma once

#include "exec/output_log.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fleche::exec {

struct RunResult {
    int exit_code = 0; // when CMD exited
    int signal = 0;    // when CMD was killed by a signal (then never stored)
    int64_t started_ns = 0, stopped_ns = 0; // wall clock, ns since the epoch
    int64_t user_ns = 0, system_ns = 0;     // CPU time of CMD and its children
    int64_t max_rss_kb = 0;

    // What fleche exits with: CMD's code, or 128 + signal.
    int status() const { return signal ? 128 + signal : exit_code; }
    int64_t wall_ns() const { return stopped_ns - started_ns; }
};

using OutputSink = std::function<void(Stream, const char *, size_t)>;

// `executable` is run with `argv` (argv[0] as the user typed it). stdin_fd
// < 0 lets CMD inherit our stdin. Throws Error with status 126 or 127 when
// CMD cannot be started. The sink must not throw.
RunResult run_process(const std::string &executable, const std::vector<std::string> &argv,
                      int stdin_fd, const OutputSink &sink);

} // namespace fleche::exec
