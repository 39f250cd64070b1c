// Paths resolved beneath a directory without following a symbolic link:
// restore writes where a stored entry says, and no entry, however tampered
// with, may make it write outside the working tree. Each function takes the
// directory as an fd, so that nothing is resolved twice by name.
#pragma once

#include "util/fd.hpp"

#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/types.h>

namespace fleche {

// Whether `path` names something strictly beneath a directory by itself:
// relative, and no component empty, "." or "..".
bool is_beneath_path(std::string_view path);

// Opens directory `dir` ("." or an is_beneath_path() path) beneath `root`,
// following no symbolic link on the way (openat2 RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS where the kernel has it, else openat O_NOFOLLOW one
// component at a time). With `create`, missing directories are made one at a
// time, each in the one just opened, with `mode`. Returns an O_PATH fd, or an
// invalid Fd with errno set (ELOOP or ENOTDIR: a symbolic link or a file on
// the way; ENOENT: missing; EINVAL: not a beneath path).
Fd open_beneath(int root, std::string_view dir, bool create = false, mode_t mode = 0777);

// openat(2) of the file `path` (an is_beneath_path() path) beneath `root`
// with `flags` and `mode`, following no symbolic link, the file itself
// included: one openat2 where the kernel has it, else open_beneath() of its
// directory and an O_NOFOLLOW openat. An invalid Fd with errno set on failure
// (ELOOP or ENOTDIR: a symbolic link or a file on the way).
Fd open_file_beneath(int root, std::string_view path, int flags, mode_t mode = 0);

// From now on, open_beneath() and open_file_beneath() walk one component at
// a time, as on a kernel without openat2: for the tests of that path.
void open_beneath_without_openat2();

// Whether two stat results are one file.
inline bool same_file(const struct stat &a, const struct stat &b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// rm -rf of `name` in directory `dir`, following no symbolic link: a link is
// removed, never what it points to. A directory that is `keep` (when given)
// stays, with everything in it. Reports nothing.
void remove_tree_at(int dir, const std::string &name, const struct stat *keep = nullptr);

} // namespace fleche
