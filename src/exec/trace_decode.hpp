// One stopped call, as the kernel described it, into a TraceEvent: which call
// (exec/trace_filter.hpp's table), its paths read from the task and made
// absolute (exec/trace_paths.hpp).
#pragma once

#include "exec/trace_event.hpp"

#include <linux/seccomp.h>
#include <string>

namespace fleche::exec {

enum class Decoded {
    event,      // `event` holds it
    dropped,    // nothing was accessed (a bad pointer, an fd that is no
                // file, a task that died): no event
    incomplete, // the trace cannot be complete: `why` says what
};

Decoded decode_call(const seccomp_notif &notification, TraceEvent &event, std::string &why);

} // namespace fleche::exec
