// What fleche inherited from its caller and must hand on to CMD unchanged:
// signal dispositions, the signal mask, and which of fds 0-2 were closed.
// record_inherited() runs first in main(), before fleche changes any of it.
#pragma once

#include <csignal>

namespace fleche::exec {

// Notes the inherited state, then puts /dev/null on each closed fd 0-2 so
// that no file fleche opens (the index, a blob, a lock) can land there and
// receive CMD's output. Call once, first thing in main().
void record_inherited();

// Before fleche replaces itself with CMD (FLECHE_DISABLE): closes the fds
// that were closed and gives SIGPIPE back the caller's disposition.
void restore_inherited();

// The caller left `sig` ignored (nohup, a background job's SIGINT...).
bool inherited_ignored(int sig);
const sigset_t &inherited_mask();
// fd 0, 1 or 2 was closed when fleche started (cmd >&-); it now holds
// /dev/null, and a write to it counts as failed (EBADF), as it would have.
bool std_fd_closed(int fd);

// fds 1 and 2 are one file (2>&1 to a file or a pipe, a terminal), other
// than /dev/null: CMD can then get one pipe for both and the order across
// them is exact.
bool stdout_is_stderr();

} // namespace fleche::exec
