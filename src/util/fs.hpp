// File-system helpers shared by the store and output capture.
#pragma once

#include "util/fd.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace fleche {

// mkdir -p; new directories get `mode`. Throws Error.
void make_directories(const std::string &path, mode_t mode = 0777);

// A new file "<prefix>.XXXXXX" opened for writing (mode 0600). Throws Error.
std::pair<std::string, Fd> make_temp_file(const std::string &prefix);

// A file written under a temporary name and renamed into place only by
// commit(): destroyed uncommitted (an error, a throw) it is removed, so a
// reader never sees half a file and a failure leaves nothing behind.
class TempFile {
  public:
    // Creates "<prefix>.XXXXXX". Throws Error.
    explicit TempFile(const std::string &prefix);
    // Creates "<name>.XXXXXX" in the directory open as `dir` (kept open by
    // the caller until this is destroyed), without following a symbolic link;
    // commit() renames within that directory. Throws Error.
    TempFile(int dir, const std::string &name);
    ~TempFile();
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;

    int fd() const { return fd_.get(); }
    const std::string &path() const { return path_; }
    // Closes and renames over `target`. Throws Error.
    void commit(const std::string &target);
    // Closes and renames over `name` in the directory open as `dir`.
    void commit_at(int dir, const std::string &name);

  private:
    int dir_; // AT_FDCWD, or the directory `path_` is relative to
    std::string path_;
    Fd fd_;
    bool committed_ = false;
};

// The names in a directory, except "." and "..", in no particular order;
// empty when it cannot be read.
std::vector<std::string> directory_entries(const std::string &dir);
// The same, with `error` the errno of a directory that cannot be read (0
// when it could): for callers to whom a missing entry matters.
std::vector<std::string> directory_entries(const std::string &dir, int &error);

// The names in the directory open as `fd`, except "." and "..", in no
// particular order, appended to `names`: the errno when it cannot be read,
// else 0. Read straight from getdents64, without a DIR's copy of each.
int directory_entries_at(int fd, std::vector<std::string> &names);

// rm -rf that reports nothing: for replacing outputs and cleaning up.
void remove_tree(const std::string &path);

// Whether clean absolute `path` is `dir` or beneath it, by its spelling
// (no link is resolved); everything is beneath "/".
bool path_within(std::string_view path, std::string_view dir);

// "a FIFO", "a socket", "a character device" or "a block device" for those
// types of file (none has a content to hash), `otherwise` for any other.
const char *special_file_name(mode_t mode, const char *otherwise);

} // namespace fleche
