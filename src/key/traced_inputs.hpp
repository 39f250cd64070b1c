// What a traced run's file calls (exec/trace_event.hpp) mean for its key:
// which paths are inputs, which files are outputs, and whether the run can
// be stored at all. Events are classified per path (its string: ".." and
// symbolic links are not resolved) by what came before its first write,
// then the file system after the run decides what is left:
//   - read (open without write access, exec), probed (stat, access, chdir)
//     or listed (getdents), never written: an input, listed when it was
//     ever listed; exec of a PATH candidate that did not exist is an input
//     too (missing);
//   - created, written, truncated, renamed to, linked to or removed first:
//     not an input (a temporary or an output), whatever reads follow (gcc's
//     /tmp/cc*.s is written by cc1, read by as, removed by gcc);
//   - only probed before its first write: an output, not an input (ld
//     stats its output before it writes it);
//   - read or listed before its first write (an O_RDWR open without O_CREAT
//     or O_TRUNC is a read and a write), or, for a listed directory, a name
//     created or removed in it after the listing, or a directory renamed
//     with a read path in it: the state before the run, which CMD saw, is
//     not known after it, so the run is refused (`sed -i`, `ar r`). A
//     write-open that neither truncates nor creates exclusively (O_APPEND:
//     `echo x >> log`) keeps what was there: a read and a write;
//   - never made to exist (only removed, renamed away, truncated, opened for
//     writing without O_CREAT) and missing at the end: an input, missing.
//     Those calls failed on a missing path, or CMD removed it, which a
//     replay cannot do: either way a hit needs it missing;
//   - written and still a regular file at the end, beneath the working
//     directory: an output (relative path). Beneath it but gone, or not a
//     regular file: nothing. Outside it and still there: the run is refused
//     (a replay could not bring it back). "Beneath" is decided on the
//     physical path (its directory resolved): a file reached through a
//     symbolic link out of the tree is outside. mkdir of the working
//     directory or one above it (mkdir -p, EEXIST) is a lookup, not a write;
//   - /proc, /sys, /dev, the store directory and paths matching a
//     trace_ignore glob are never inputs or outputs; .git beneath the
//     working directory is never an output (what CMD read there stays an
//     input: `git describe` must miss after a commit).
// Declared -i/-o are handled by the key record and capture as before; these
// are in addition.
#pragma once

#include "exec/trace_event.hpp"

#include <string>
#include <vector>

namespace fleche::key {

// Where the run happened and what to leave out; paths absolute, clean.
struct TraceScope {
    std::string cwd;
    std::string store_dir;           // empty without a store
    std::vector<std::string> ignore; // trace_ignore globs, matched against absolute paths
                                     // (util/glob.hpp; "**" crosses directories)
};

struct TracedInput {
    std::string path;    // absolute and clean, as in the event
    bool listed = false; // its names were read (getdents): keyed by listing
    bool operator==(const TracedInput &) const = default;
};

struct TracedPaths {
    std::vector<TracedInput> inputs;  // sorted by path, each path once
    std::vector<std::string> outputs; // relative to cwd, sorted, each once
    // Why the run must not be stored (see above; also Trace::incomplete and
    // Trace::outlived). Empty when it may be. Names the path concerned:
    // "CMD wrote /tmp/x outside the working directory and left it there".
    std::string refusal;
};

// Pure but for the stats at the end (which written paths are still there).
TracedPaths classify_trace(const exec::Trace &trace, const TraceScope &scope);

// What a traced key depends on besides its paths, for the key record's
// "trace" line: the classification rules' version and the options that
// change which paths are recorded (readlink traced, the ignore globs). Two
// runs with different ignore globs must not share path sets.
std::string trace_scheme(bool readlink, const std::vector<std::string> &ignore);

} // namespace fleche::key
