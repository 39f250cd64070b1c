// Who may use a store, and with which modes fleche creates what is in it.
//
// Sharing. Without [store] umask (FLECHE_UMASK) a store is private: its
// directories are 0700 and its files 0600, whatever the user's umask. With
// one (an octal mask such as "002", as ccache's umask), everything fleche
// creates in the store gets 0777 (directories) or 0666 (files) less that
// mask: two users in one group, with umask "002" and a setgid store
// directory of that group, hit and store each other's entries. The user's
// own umask is never changed: CMD inherits it, and restored outputs keep
// their stored modes. The mask is a process-wide setting, set once by
// engine::open_store() before the store is opened; every creation in the
// store goes through the helpers below so that it applies.
//
// Trust. Whoever can write the store decides what a hit replays. The store
// directory (one stat(), following the path the user named) is used only
// when:
//   - it is a directory, owned by you (the effective uid) or root, or by
//     anyone when a umask is configured (you said you share it);
//   - it is not writable by its group unless the umask leaves group write
//     (umask & 020 == 0), nor by others unless it leaves others write
//     (umask & 002 == 0): a store that others may write, and that you did not
//     declare as shared with them, is not trusted;
//   - you can write it (search and write permission; read is enough with
//     FLECHE_READONLY).
// Otherwise run() warns once and runs CMD uncached. What lies below the
// store directory is trusted as far as the directory is, but never followed
// through a symbolic link: once open_store_root() has opened the store, its
// files are resolved beneath it with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS) (O_NOFOLLOW per component where the kernel lacks
// openat2), so a link planted anywhere in the store (objects/ab, entries/ab,
// a file) is damage (a miss, or an error), never a way out, and nothing is
// written through it. One openat2 costs what the open it replaces did. A
// symbolic link at index.sqlite (or its -wal, -shm) is a damaged index
// (index_open.hpp): moved aside, never opened.
#pragma once

#include "util/fd.hpp"
#include "util/fs.hpp"

#include <optional>
#include <string>
#include <sys/types.h>

namespace fleche::store {

// [store] umask, or nullopt for a private store. Call once, before the store
// is opened (engine::open_store does).
void set_store_umask(std::optional<mode_t> mask);
std::optional<mode_t> store_umask();

// The mode that new store directories and files get.
mode_t store_directory_mode();
mode_t store_file_mode();

// Why this user must not use the store at `dir`, or nullopt when it may (or
// when it does not exist yet: it is created). One stat(). The text is a
// whole warning: "store DIR is ...; set ... ".
std::optional<std::string> store_access_problem(const std::string &dir, bool readonly);

// mkdir -p for the store: new directories get store_directory_mode() exactly
// (a setgid bit inherited from the parent is kept). Throws Error.
void make_store_directories(const std::string &path);

// Opens the store directory `dir` (following the path the user named, a
// link included) for the functions below to resolve beneath; with `create`,
// makes it first when missing (make_store_directories). Costs the one
// syscall of the mkdir it replaces. Throws Error (with `create`) when it
// cannot be opened; without, leaves the paths resolved as plain paths.
void open_store_root(const std::string &dir, bool create);

// open(2) of a file in the store: beneath the store root without following
// any symbolic link (above), close-on-exec; a path outside the store opened
// by open_store_root() is opened with O_NOFOLLOW. With O_CREAT a new file
// gets store_file_mode() exactly. An invalid Fd with errno set on failure
// (ELOOP or ENOTDIR: a symbolic link is in the way).
Fd open_store_file(const std::string &path, int flags);

// Renames `tmp` to `target`, a path in the store, making the directory it
// goes to (make_store_directories) and resolving that directory beneath the
// store without following a symbolic link: a planted link never receives a
// file. The kill point `hook` (util/test_hook.hpp) is reached once the
// directory is there, before the rename. Throws Error.
void commit_store_file(TempFile &tmp, const std::string &target, const char *hook);

// A file created with a mode of its own (mkstemp's 0600) gets the store's
// file mode; nothing to do for a private store.
void share_new_file(int fd);

} // namespace fleche::store
