// Copies what CMD writes on its pipes to our fds 1 and 2 as it arrives, and
// to the sink that records the log.
#pragma once

#include "exec/delivery.hpp"
#include "store/output_log.hpp"
#include "util/fd.hpp"

#include <functional>
#include <vector>

namespace fleche::exec {

// Gets each piece after it was delivered; it may block (a recorder that
// is behind), which holds back reading, never the piece already delivered.
using OutputSink = std::function<void(store::Stream, const char *, size_t)>;

struct OutputPipe {
    Fd read;              // our end
    store::Stream stream; // merged goes to fd 1
};

// Pumps until every pipe is closed. `exited` (a pidfd, or -1) becomes
// readable when CMD exits: a background process of CMD may hold the pipes
// open long after, so from then on the pump waits at most a short grace for
// more output and reads no more than CMD can have left in its pipes. Returns
// false when a background process of CMD held the pipes past that. A pipe whose output
// cannot be delivered is closed, so that CMD meets the failure at its next
// write (EPIPE or SIGPIPE), as it would have without fleche.
bool pump_output(std::vector<OutputPipe> &pipes, int exited, Delivery &delivery,
                 const OutputSink &sink);

} // namespace fleche::exec
