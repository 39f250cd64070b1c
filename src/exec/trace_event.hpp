// What the tracer (exec/tracer.hpp) hands to the rest of fleche: the
// file-related system calls a traced command and its descendants made, in
// the order the tracer was told of them. Each is seen on entry, before the
// kernel ran it: an event says what was asked for, not what happened (an
// open of a missing file is an open; whether the file exists is decided
// afterwards from the file system, see key/traced_inputs.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fleche::exec {

struct TraceEvent {
    enum class Call : uint8_t {
        open,     // open, openat, openat2, creat (open_flags says how)
        exec,     // execve, execveat: the program (and, through the opens
                  // that follow, its interpreter and libraries)
        probe,    // the stat family, statx, access, faccessat, faccessat2;
                  // chdir, fchdir (a lookup of the directory); readlink and
                  // readlinkat when traced (TraceFilterOptions::readlink).
                  // With AT_EMPTY_PATH and "": the file of the fd (fstat)
        list,     // getdents64/getdents: path is the directory listed
        remove,   // unlink, unlinkat, rmdir
        rename,   // rename, renameat, renameat2: path -> path2
        link,     // link, linkat: path2 is created, naming path's file
        symlink,  // symlink, symlinkat: path2 is created (path: the link text)
        mkdir,    // mkdir, mkdirat, mknod, mknodat
        truncate, // truncate
    };
    Call call = Call::open;
    int open_flags = 0; // open: the flags as given (creat: O_CREAT|O_WRONLY|O_TRUNC)
    pid_t pid = 0;      // the calling thread
    // Absolute and lexically clean: no empty or "." components, no trailing
    // slash. ".." is kept: a symlink before it decides what it names.
    std::string path;
    std::string path2; // rename, link, symlink: see Call
};

struct Trace {
    std::vector<TraceEvent> events;
    // Why the events cannot be trusted to be complete (a call the filter
    // could not decode, a path that could not be read, a 32-bit system
    // call): the run must not be stored. Empty when they can.
    std::string incomplete;
    // A descendant was still running when CMD exited: it is still answered
    // (its file calls go on working) but what it does next is unseen, so the
    // run must not be stored.
    bool outlived = false;
};

} // namespace fleche::exec
