// A real redis-server for one test, on a free 127.0.0.1 port, in its own
// temporary directory, stopped by PID. Extra arguments (--requirepass,
// --user ...) are passed through. A machine without redis-server fails the
// test that needs one: scripts/setup.sh installs it.
#pragma once

#include "scratch_dir.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

class RedisServer {
  public:
    explicit RedisServer(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {
        REQUIRE_MESSAGE(std::system("command -v redis-server >/dev/null 2>&1") == 0,
                        "redis-server is not installed (scripts/setup.sh installs it)");
        port_ = free_port();
        start();
    }
    ~RedisServer() { stop(); }
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    int port() const { return port_; }
    std::string url(const std::string &suffix = "") const {
        return "redis://" + std::string("127.0.0.1:") + std::to_string(port_) + suffix;
    }

    // Starts the server again on the same port, after stop().
    void start() {
        std::string dir = dir_.path().string();
        std::string command =
            "redis-server --port " + std::to_string(port_) +
            " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile " + dir +
            "/redis.pid --logfile " + dir + "/redis.log --dir " + dir;
        for (const std::string &arg : extra_)
            command.append(" '").append(arg).append("'");
        REQUIRE_MESSAGE(std::system(command.c_str()) == 0,
                        "redis-server did not start: " << command);
        REQUIRE_MESSAGE(wait_until([&] { return answers(); }),
                        "redis-server on port " << port_ << " never answered");
        std::ifstream(dir + "/redis.pid") >> pid_;
        REQUIRE(pid_ > 0);
    }

    // Kills the server by PID and waits until it is gone.
    void stop() {
        if (pid_ <= 0)
            return;
        ::kill(pid_, SIGKILL);
        pid_t pid = pid_;
        pid_ = 0;
        // Daemonized, it is not our child: dead once a zombie, whenever init
        // reaps it; its threads may hold the listening socket a little longer.
        wait_until([&] { return !running(pid) && !answers(true); });
    }

    // redis-cli's output (--raw) for a command run against this server.
    std::string cli(const std::string &args) const {
        std::string command = "redis-cli -p " + std::to_string(port_) + " --raw " + args;
        std::string out;
        if (FILE *f = ::popen(command.c_str(), "r")) {
            char buf[4096];
            size_t n;
            while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
                out.append(buf, n);
            ::pclose(f);
        }
        return out;
    }

  private:
    static int free_port() {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        ::close(fd);
        return ntohs(a.sin_port);
    }

    // Polls `ready` for up to 10 s.
    template <class Ready> static bool wait_until(Ready ready) {
        for (int i = 0; i < 2000; ++i) {
            if (ready())
                return true;
            timespec pause{0, 5'000'000};
            ::nanosleep(&pause, nullptr);
        }
        return false;
    }

    static bool running(pid_t pid) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (!std::getline(stat, line))
            return false;
        size_t paren = line.rfind(')');
        return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
    }

    // Any RESP reply to PING (+PONG, or -NOAUTH with a password) means it
    // is ready; `accepted_only` asks whether it still accepts connections.
    bool answers(bool accepted_only = false) const {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port_));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
        if (ok && !accepted_only) {
            char c = 0;
            ok =
                ::write(fd, "PING\r\n", 6) == 6 && ::read(fd, &c, 1) == 1 && (c == '+' || c == '-');
        }
        ::close(fd);
        return ok;
    }

    ScratchDir dir_;
    std::vector<std::string> extra_;
    int port_ = 0;
    pid_t pid_ = 0;
};
