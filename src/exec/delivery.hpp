// Delivering CMD's output to our fds 1 and 2, on a miss (live) and on a hit
// (replay), and what fleche does when that fails: a reader that went away
// (EPIPE) is what CMD itself would have met, any other error (a full disk,
// /dev/full, a closed fd) is reported once. Either way fleche never exits 0
// with output lost, and a run whose output was not delivered whole is not
// stored.
#pragma once

#include <cerrno>
#include <cstddef>
#include <string>

namespace fleche::exec {

class Delivery {
  public:
    // Writes to fd 1 or 2 unless an earlier write to it failed. Returns
    // false when this or an earlier write to `fd` failed; the first failure
    // other than EPIPE prints "fleche: error: writing stdout: ...".
    bool write(int fd, const char *data, size_t size);

    bool whole() const { return error_[1] == 0 && error_[2] == 0; }
    // Some write failed with EPIPE: that reader is gone.
    bool reader_gone() const { return error_[1] == EPIPE || error_[2] == EPIPE; }
    // Some write failed for another reason than EPIPE.
    bool write_failed() const { return write_error(error_[1]) || write_error(error_[2]); }
    // Why the output was not delivered whole, for -v; empty when it was.
    std::string failure() const;

    // What fleche exits with after CMD (or the stored run) ended with
    // `status`: that status, unless output was lost and it is 0: then 1 for
    // a write error (as coreutils do), 128+SIGPIPE for a reader gone.
    int status(int status) const;

  private:
    static bool write_error(int err) { return err != 0 && err != EPIPE; }

    int error_[3] = {};
};

} // namespace fleche::exec
