#include "store/store_access.hpp"

#include "util/beneath.hpp"
#include "util/error.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fleche::store {

namespace {

std::optional<mode_t> configured_mask;

std::string octal(mode_t mode, int digits) {
    char text[16];
    std::snprintf(text, sizeof text, "%0*o", digits, unsigned(mode));
    return text;
}

bool in_group(gid_t group) {
    if (group == ::getegid())
        return true;
    int n = ::getgroups(0, nullptr);
    std::vector<gid_t> groups(n > 0 ? size_t(n) : 0);
    n = ::getgroups(n, groups.data());
    for (int i = 0; i < n; ++i)
        if (groups[size_t(i)] == group)
            return true;
    return false;
}

// The permission bits that apply to this user (rwx, as 07), as the kernel
// would choose them: owner, else group, else others. Root may do anything.
mode_t my_permissions(const struct stat &st, uid_t me) {
    if (me == 0)
        return 07;
    if (st.st_uid == me)
        return (st.st_mode >> 6) & 07;
    if (in_group(st.st_gid))
        return (st.st_mode >> 3) & 07;
    return st.st_mode & 07;
}

std::string described(const std::string &dir, const struct stat &st) {
    return "store " + dir + " (owner uid " + std::to_string(st.st_uid) + ", mode " +
           octal(st.st_mode & 07777, 4) + ")";
}

// Who may write the store that the user did not say they share it with.
std::optional<std::string> untrusted_writers(const std::string &dir, const struct stat &st) {
    bool shared_with_group = configured_mask && !(*configured_mask & S_IWGRP);
    bool shared_with_others = configured_mask && !(*configured_mask & S_IWOTH);
    if ((st.st_mode & S_IWOTH) && !shared_with_others)
        return described(dir, st) +
               " is writable by others, who could plant results that you would replay; chmod "
               "o-w it, or use FLECHE_DIR";
    if ((st.st_mode & S_IWGRP) && !shared_with_group)
        return described(dir, st) +
               " is writable by its group but not configured as shared; set [store] umask = "
               "\"002\" (or FLECHE_UMASK=002) to share it with the group, or chmod g-w it";
    return std::nullopt;
}

} // namespace

void set_store_umask(std::optional<mode_t> mask) {
    configured_mask = mask;
}

std::optional<mode_t> store_umask() {
    return configured_mask;
}

mode_t store_directory_mode() {
    return configured_mask ? 0777 & ~*configured_mask : 0700;
}

mode_t store_file_mode() {
    return configured_mask ? 0666 & ~*configured_mask : 0600;
}

std::optional<std::string> store_access_problem(const std::string &dir, bool readonly) {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return std::nullopt; // created with the store's modes
        return errno_message("store " + dir + " cannot be reached", errno) +
               " (check the permissions of its parent folders, or use FLECHE_DIR)";
    }
    if (!S_ISDIR(st.st_mode))
        return "store " + dir + " is not a directory; remove it or set FLECHE_DIR";
    if (auto why = untrusted_writers(dir, st))
        return why;
    uid_t me = ::geteuid();
    mode_t need = readonly ? 05 : 03;
    if ((my_permissions(st, me) & need) != need)
        return described(dir, st) + " is not " + (readonly ? "readable" : "writable") +
               " by you; set [store] umask = \"002\" and share a group, or use FLECHE_DIR";
    if (st.st_uid != me && st.st_uid != 0 && !configured_mask)
        return described(dir, st) +
               " is not yours; set [store] umask = \"002\" (or FLECHE_UMASK=002) to use a "
               "store shared with its group, or use FLECHE_DIR";
    return std::nullopt;
}

namespace {

// mkdir with the store's mode exactly: for a shared store, mkdir's mode went
// through the user's umask; the setgid bit inherited from the parent stays.
bool make_store_directory(const std::string &path) {
    if (::mkdir(path.c_str(), store_directory_mode()) != 0)
        return errno == EEXIST;
    struct stat st;
    if (configured_mask)
        test_hook("store-directory-created"); // with the user's umask, not yet the store's
    if (configured_mask && ::lstat(path.c_str(), &st) == 0)
        ::chmod(path.c_str(), store_directory_mode() | (st.st_mode & S_ISGID));
    test_hook("store-directory-made");
    return true;
}

} // namespace

void make_store_directories(const std::string &path) {
    if (path.empty() || make_store_directory(path))
        return;
    if (errno == ENOENT) {
        auto slash = path.find_last_of('/');
        if (slash != std::string::npos && slash > 0)
            make_store_directories(path.substr(0, slash));
        if (make_store_directory(path))
            return;
    }
    throw Error(errno_message("cannot create directory '" + path + "'", errno));
}

namespace {

// The store open_store_root() opened: its fd (-1: none), and its path with a
// slash. Never closed at exit: a hit makes no syscall it does not need.
int root_fd = -1;
std::string root_prefix;

// `path` relative to the store root, or empty when it is not beneath it.
std::string_view beneath_root(const std::string &path) {
    if (root_fd < 0 || path.size() <= root_prefix.size() || !path.starts_with(root_prefix))
        return {};
    return std::string_view(path).substr(root_prefix.size());
}

int open_beneath_root(const std::string &path, int flags, mode_t mode) {
    std::string_view relative = beneath_root(path);
    if (relative.empty())
        return ::open(path.c_str(), flags, mode);
    return open_file_beneath(root_fd, relative, flags, mode).release();
}

} // namespace

void open_store_root(const std::string &dir, bool create) {
    if (root_fd >= 0)
        ::close(root_fd);
    root_fd = -1;
    Fd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd && errno == ENOENT && create) {
        make_store_directories(dir);
        fd = Fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    if (!fd) {
        if (create)
            throw Error(errno_message("cannot open the store '" + dir + "'", errno));
        return;
    }
    root_fd = fd.release();
    root_prefix = dir + "/"; // as the store's paths are made: "store/" gives "store//entries"
}

Fd open_store_file(const std::string &path, int flags) {
    flags |= O_NOFOLLOW | O_CLOEXEC;
    if (!(flags & O_CREAT) || !configured_mask)
        return Fd(open_beneath_root(path, flags, store_file_mode()));
    // Shared: only the process that creates the file sets its mode (the
    // others may not own it), and an existing file costs one open() as before.
    for (;;) {
        Fd fd(open_beneath_root(path, flags & ~O_CREAT, 0));
        if (fd || errno != ENOENT)
            return fd;
        fd = Fd(open_beneath_root(path, flags | O_EXCL, store_file_mode()));
        if (fd) {
            test_hook("store-file-created"); // with the user's umask, not yet the store's
            share_new_file(fd.get());
            return fd;
        }
        if (errno != EEXIST)
            return fd;
    }
}

namespace {

constexpr int dir_flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// The directory `relative` beneath the store root, made as needed with the
// store's modes one component at a time, no link followed: a new shard is
// rare (256 per directory), so the common case is one openat2.
Fd store_directory_beneath(std::string_view relative) {
    Fd dir = open_beneath(root_fd, relative);
    if (dir || errno != ENOENT)
        return dir;
    Fd current(::openat(root_fd, ".", dir_flags));
    size_t start = 0;
    while (current && start < relative.size()) {
        size_t slash = relative.find('/', start);
        std::string name(relative.substr(start, slash - start));
        Fd next(::openat(current.get(), name.c_str(), dir_flags));
        if (!next && errno == ENOENT) {
            if (::mkdirat(current.get(), name.c_str(), store_directory_mode()) == 0) {
                struct stat st;
                if (configured_mask &&
                    ::fstatat(current.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
                    test_hook("store-directory-created");
                    ::fchmodat(current.get(), name.c_str(),
                               store_directory_mode() | (st.st_mode & S_ISGID), 0);
                }
                test_hook("store-directory-made");
            } else if (errno != EEXIST) {
                return Fd();
            }
            next = Fd(::openat(current.get(), name.c_str(), dir_flags));
        }
        current = std::move(next);
        start = slash == std::string_view::npos ? relative.size() : slash + 1;
    }
    return current;
}

} // namespace

void commit_store_file(TempFile &tmp, const std::string &target, const char *hook) {
    size_t slash = target.rfind('/');
    std::string dir = target.substr(0, slash);
    std::string_view relative = beneath_root(dir);
    if (slash == std::string::npos || relative.empty()) { // not beneath the store root
        make_store_directories(dir);
        test_hook(hook);
        tmp.commit(target);
        return;
    }
    Fd parent = store_directory_beneath(relative);
    if (int error = errno; !parent)
        throw Error(errno_message("cannot reach '" + dir + "' in the store", error) +
                    (error == ELOOP || error == ENOTDIR
                         ? " (a symbolic link in the store is never followed)"
                         : ""));
    test_hook(hook);
    tmp.commit_at(parent.get(), target.substr(slash + 1));
}

void share_new_file(int fd) {
    if (configured_mask)
        ::fchmod(fd, store_file_mode());
}

} // namespace fleche::store
