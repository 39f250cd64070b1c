#include "store/auto_gc.hpp"

#include "store/store_access.hpp"

#include "util/clock.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>

extern char **environ;

namespace fleche::store {

namespace {

std::string stamp_path(const Store &store) {
    return store.dir() + "/gc.stamp";
}

bool due(const std::string &stamp) {
    struct stat st;
    if (::stat(stamp.c_str(), &st) != 0)
        return true;
    int64_t started = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return now_ns() - started >= auto_gc_interval_ns;
}

// A fresh process (not a fork: SQLite connections must not cross a fork),
// in its own session, with no link to the user's terminal or pipes.
void spawn_gc() {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    for (int fd = 0; fd <= 2; ++fd)
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
    char name[] = "fleche", gc[] = "gc", automatic[] = "--auto";
    char *argv[] = {name, gc, automatic, nullptr};
    pid_t pid;
    posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
}

} // namespace

void start_gc_if_due(const Store &store, const Limits &limits) {
    std::string stamp = stamp_path(store);
    if (!limits.any() || !due(stamp))
        return;
    // Claim this minute before starting, so that the runs that finish next
    // do not start gcs of their own.
    Fd fd = open_store_file(stamp, O_WRONLY | O_CREAT);
    if (!fd || ::futimens(fd.get(), nullptr) != 0)
        return;
    spawn_gc();
}

Fd try_lock_gc(const Store &store) {
    Fd fd = open_store_file(stamp_path(store), O_RDWR | O_CREAT);
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        fd.reset();
    return fd;
}

} // namespace fleche::store
