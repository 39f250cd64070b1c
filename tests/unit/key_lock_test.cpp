#include "scratch_dir.hpp"
#include "store/key_lock.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <future>
#include <optional>
#include <sys/file.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using fleche::store::KeyLock;

namespace {

// What gc's sweep does to a lock file that nobody holds.
void remove_as_gc(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
    REQUIRE(::unlink(path.c_str()) == 0);
    ::close(fd);
}

} // namespace

// gc removing the lock file between try_lock's open and its flock must not
// leave try_lock holding a file that is no longer at the path: another
// process would then take the new file and both would run as the holder.
TEST_CASE("try_lock never holds a lock file that gc removed meanwhile") {
    ScratchDir dir;
    std::string path = (dir.path() / "lock").string();
    int report[2], release[2];
    REQUIRE(::pipe(report) == 0);
    REQUIRE(::pipe(release) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(report[0]);
        ::close(release[1]);
        ::setenv("FLECHE_TEST_STOP_POINT", "lock-opened", 1);
        auto lock = KeyLock::try_lock(path); // stops itself after the open
        char held = lock ? 'L' : 'N';
        if (::write(report[1], &held, 1) != 1)
            ::_exit(2);
        char c;
        while (::read(release[0], &c, 1) > 0) {
        }
        ::_exit(0);
    }
    ::close(report[1]);
    ::close(release[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, WUNTRACED) == child);
    REQUIRE(WIFSTOPPED(status));
    remove_as_gc(path);
    ::kill(child, SIGCONT);
    char held = 0;
    REQUIRE(::read(report[0], &held, 1) == 1);
    CHECK(held == 'L'); // nobody else wanted it: the child locks the new file
    CHECK_FALSE(KeyLock::try_lock(path).has_value());
    ::close(release[1]);
    ::close(report[0]);
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a waiter learns whether the run it waited for finished") {
    ScratchDir dir;
    std::string path = (dir.path() / "lock").string();
    std::optional<KeyLock> holder;
    holder.emplace(path, 0, [] {});
    CHECK_FALSE(holder->waited());
    CHECK_FALSE(holder->last_run_finished());
    holder->run_started();
    holder->run_finished();
    CHECK(holder->last_run_finished());

    // flock locks belong to open files, so a second KeyLock of this process
    // waits for the first one like another process would.
    std::promise<void> waiting;
    std::promise<std::pair<bool, bool>> seen;
    std::thread waiter([&] {
        KeyLock lock(path, 0, [&] { waiting.set_value(); });
        seen.set_value({lock.waited(), lock.last_run_finished()});
    });
    waiting.get_future().wait();
    holder.reset();
    auto [waited, finished] = seen.get_future().get();
    waiter.join();
    CHECK(waited);
    CHECK(finished);

    KeyLock again(path, 0, [] {});
    CHECK_FALSE(again.waited());
    again.run_started();
    CHECK_FALSE(again.last_run_finished()); // a run under way has not finished
}
