#include "exec/spawn.hpp"
#include "scratch_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace fleche::exec;

namespace {

std::string read_text(const std::string &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Waits for `done`, true when it came within 20 s.
template <class Done> bool wait_until(Done done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done())
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        else
            std::this_thread::yield();
    return true;
}

} // namespace

TEST_CASE("a detached process leads its own session, holds only /dev/null and is no zombie "
          "of ours") {
    ScratchDir dir;
    int leaked = ::open(".", O_RDONLY | O_DIRECTORY); // not close-on-exec
    REQUIRE(leaked > 2);
    // The shell says who it is, then becomes a process we can look at.
    REQUIRE(spawn_detached("/bin/sh", {"sh", "-c",
                                       "echo $$ > pid.tmp && mv pid.tmp pid && "
                                       "exec sleep 60"}) == 0);
    ::close(leaked);

    // The middle process is reaped and the detached one is not our child.
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);

    REQUIRE(wait_until([] { return std::filesystem::exists("pid"); }));
    pid_t pid = std::stoi(read_text("pid"));
    std::string proc = "/proc/" + std::to_string(pid);
    // Not only its name: the kernel names the new program before it closes
    // the old one's close-on-exec descriptors. Sleeping (clock_nanosleep, 230
    // on x86-64), sleep has finished its exec.
    REQUIRE(wait_until([&] {
        return read_text(proc + "/comm") == "sleep\n" &&
               read_text(proc + "/syscall").starts_with("230 ");
    }));
    std::string stat = read_text(proc + "/stat");
    std::vector<std::string> fds, targets;
    for (const auto &fd : std::filesystem::directory_iterator(proc + "/fd")) {
        fds.push_back(fd.path().filename().string());
        targets.push_back(std::filesystem::read_symlink(fd.path()).string());
    }
    ::kill(pid, SIGKILL);

    // pid (comm) state ppid pgrp session ...
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    char state;
    pid_t ppid, pgrp, session;
    fields >> state >> ppid >> pgrp >> session;
    CHECK(session == pid);
    CHECK(session != ::getsid(0));
    CHECK(ppid != ::getpid());
    std::sort(fds.begin(), fds.end());
    std::string held;
    for (size_t i = 0; i < fds.size(); ++i)
        held += fds[i] + " -> " + targets[i] + "; ";
    INFO("the detached process holds " << held);
    CHECK(fds == std::vector<std::string>{"0", "1", "2"});
    CHECK(targets == std::vector<std::string>(3, "/dev/null"));
}

TEST_CASE("a detached process that cannot be started says why") {
    CHECK(spawn_detached("/nonexistent/fleche-test", {"x"}) == ENOENT);
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);
}
