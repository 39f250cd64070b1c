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
// through a symbolic link: files are opened with O_NOFOLLOW, so a link
// planted in the store is damage (a miss, or an error), never a way out.
#pragma once

#include "util/fd.hpp"

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

// open(2) of a file in the store: never through a symbolic link
// (O_NOFOLLOW), close-on-exec. With O_CREAT a new file gets
// store_file_mode() exactly. An invalid Fd with errno set on failure
// (ELOOP: a symbolic link is in the way).
Fd open_store_file(const std::string &path, int flags);

// A file created with a mode of its own (mkstemp's 0600) gets the store's
// file mode; nothing to do for a private store.
void share_new_file(int fd);

} // namespace fleche::store
