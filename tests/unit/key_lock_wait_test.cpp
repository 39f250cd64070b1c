// Waiting for the per-key lock (store/key_lock.hpp): a second invocation
// blocks while another process holds the lock, says so once, and gets the
// lock when it is released, also when gc removed the lock file meanwhile.
// Each step waits for an event (a pipe), never for time.
#include "scratch_dir.hpp"
#include "store/key_lock.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace fleche::store;

namespace {

// Another process holding the lock at `path` until release() is called.
class Holder {
  public:
    explicit Holder(const std::string &path) {
        int ready[2];
        REQUIRE(::pipe(ready) == 0);
        REQUIRE(::pipe(release_) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            // Only the parent may hold the write end: its close is the release.
            ::close(release_[1]);
            ::close(ready[0]);
            int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0 || ::flock(fd, LOCK_EX) != 0)
                ::_exit(1);
            char c = 'h';
            if (::write(ready[1], &c, 1) != 1 || ::read(release_[0], &c, 1) < 0)
                ::_exit(1);
            ::_exit(0); // the kernel drops the flock with the process
        }
        ::close(ready[1]);
        ::close(release_[0]);
        char c;
        REQUIRE(::read(ready[0], &c, 1) == 1); // the lock is held
        ::close(ready[0]);
    }
    ~Holder() {
        release();
        int status = 0;
        ::waitpid(pid_, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    void release() {
        if (release_[1] >= 0)
            ::close(release_[1]);
        release_[1] = -1;
    }

  private:
    pid_t pid_ = -1;
    int release_[2] = {-1, -1};
};

} // namespace

TEST_CASE("a held key lock is waited for, with one notice, until it is released") {
    ScratchDir dir;
    Holder holder("lock");
    CHECK_FALSE(KeyLock::try_lock("lock").has_value());
    int notices = 0;
    // The notice comes while the lock is still held; only then is it released.
    KeyLock lock("lock", 0, [&] {
        ++notices;
        holder.release();
    });
    CHECK(notices == 1);
    CHECK_FALSE(KeyLock::try_lock("lock").has_value()); // ours now
}

TEST_CASE("a free key lock is taken without a notice") {
    ScratchDir dir;
    int notices = 0;
    {
        KeyLock lock("lock", 0, [&] { ++notices; });
        CHECK_FALSE(KeyLock::try_lock("lock").has_value());
    }
    CHECK(notices == 0);
    CHECK(KeyLock::try_lock("lock").has_value()); // released with the object
}

TEST_CASE("a lock file removed while waiting is taken again at its path") {
    ScratchDir dir;
    Holder holder("lock");
    KeyLock lock("lock", 0, [&] {
        // What gc does to a lock file it believes unused.
        REQUIRE(::unlink("lock") == 0);
        holder.release();
    });
    REQUIRE(::access("lock", F_OK) == 0);
    CHECK_FALSE(KeyLock::try_lock("lock").has_value()); // the file at the path is the one held
}
