// Real servers for the remote transports' tests, on 127.0.0.1 only:
//   NginxServer   nginx (Debian's plain package has the WebDAV PUT module) in a
//                 scratch directory, in the foreground, stopped by its PID;
//   SilentServer  a port that accepts connections and never answers;
//   FullServer    a port whose accept queue is full, so a connect hangs;
//   ClosedPort    a bound port that listens to nobody (connection refused).
// nginx must be installed (scripts/setup.sh): without it the tests fail.
#pragma once

#include "scratch_dir.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <set>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace nginx_fixture {

inline sockaddr_in loopback(uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

// A socket bound to a free loopback port (the kernel's choice).
inline int bound_socket(uint16_t &port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot bind a loopback socket");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
}

inline uint16_t free_port() {
    uint16_t port = 0;
    ::close(bound_socket(port));
    return port;
}

// A connected socket to 127.0.0.1:port, or -1.
inline int connect_to(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(port);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0)
        return fd;
    ::close(fd);
    return -1;
}

inline void run_shell(const std::string &command) {
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("test fixture command failed: " + command);
}

inline std::string read_file(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline std::string find_nginx() {
    std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
    dirs.append(":/usr/sbin:/sbin");
    std::istringstream in(dirs);
    for (std::string dir; std::getline(in, dir, ':');)
        if (!dir.empty() && ::access((dir + "/nginx").c_str(), X_OK) == 0)
            return dir + "/nginx";
    throw std::runtime_error("nginx is not installed (scripts/setup.sh installs it): "
                             "the remote cache tests need a real server");
}

// The processes whose parent is `pid`.
inline std::set<pid_t> children_of(pid_t pid) {
    std::string path =
        "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
    std::istringstream in(read_file(path));
    std::set<pid_t> out;
    for (pid_t child; in >> child;)
        out.insert(child);
    return out;
}

// Polls `done` until it holds or 10 s have passed.
template <class Done> bool wait_until(Done done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

} // namespace nginx_fixture

struct NginxOptions {
    bool tls = false;                    // also a TLS server with a test CA (a few openssl runs)
    std::string small_body_limit = "1k"; // client_max_body_size of /small/
};

class NginxServer {
  public:
    using Options = NginxOptions;

    // Locations of the plain server (and the TLS one), all under root():
    //   /cache/   GET, HEAD, PUT (WebDAV), up to 1 GiB
    //   /small/   the same, up to options.small_body_limit (413 above)
    //   /auth/    anonymous GET and HEAD, basic auth (alice:s3cret) for PUT
    //   /bearer/  everything needs "Authorization: Bearer test-token"
    //   /mtls/    (TLS only) needs a client certificate from ca_file()
    // The access log has one line per request: "$connection $request_method
    // $uri $status [$http_authorization] [$http_x_fleche_test]".
    explicit NginxServer(Options options = {}) : options_(std::move(options)) {
        std::string nginx = nginx_fixture::find_nginx();
        dir_ = scratch_.path();
        std::filesystem::create_directories(dir_ / "root");
        std::filesystem::create_directories(dir_ / "tmp");
        port_ = nginx_fixture::free_port();
        nginx_fixture::run_shell("printf 'alice:%s\\n' \"$(openssl passwd -apr1 s3cret)\" > '" +
                                 (dir_ / "htpasswd").string() + "'");
        if (options_.tls) {
            make_pki();
            tls_port_ = nginx_fixture::free_port();
        }
        scratch_.write("nginx.conf", config());
        std::string conf = (dir_ / "nginx.conf").string(), prefix = dir_.string() + "/";
        std::string error_log = error_log_path().string();
        std::vector<std::string> args = {nginx, "-p", prefix, "-c", conf, "-e", error_log};
        std::vector<char *> argv;
        for (std::string &arg : args)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, nginx.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
            throw std::runtime_error("cannot start " + nginx);
        wait_ready();
    }
    ~NginxServer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    NginxServer(const NginxServer &) = delete;
    NginxServer &operator=(const NginxServer &) = delete;

    uint16_t port() const { return port_; }
    uint16_t tls_port() const { return tls_port_; }
    std::string url(const std::string &location) const {
        return "http://127.0.0.1:" + std::to_string(port_) + location;
    }
    std::string tls_url(const std::string &location) const {
        return "https://127.0.0.1:" + std::to_string(tls_port_) + location;
    }
    std::filesystem::path root() const { return dir_ / "root"; }
    std::filesystem::path access_log_path() const { return dir_ / "access.log"; }
    std::filesystem::path error_log_path() const { return dir_ / "error.log"; }
    std::string ca_file() const { return (dir_ / "pki/ca.pem").string(); }
    std::string ca_dir() const { return (dir_ / "pki/cadir").string(); } // hashed
    std::string other_ca_file() const { return (dir_ / "pki/other.pem").string(); }
    std::string client_cert() const { return (dir_ / "pki/client.pem").string(); }
    std::string client_key() const { return (dir_ / "pki/client.key").string(); }

    std::vector<std::string> access_log() const {
        std::istringstream in(nginx_fixture::read_file(access_log_path()));
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);)
            lines.push_back(line);
        return lines;
    }

    // Reloads the configuration and returns once the old worker has exited:
    // by then it has closed every idle kept-alive connection.
    void reload_and_wait() {
        std::set<pid_t> old = nginx_fixture::children_of(pid_);
        ::kill(pid_, SIGHUP);
        bool gone = nginx_fixture::wait_until([&] {
            std::set<pid_t> now = nginx_fixture::children_of(pid_);
            for (pid_t worker : old)
                if (now.count(worker))
                    return false;
            return !now.empty();
        });
        if (!gone)
            throw std::runtime_error("nginx's old worker did not exit after a reload");
    }

  private:
    void make_pki() {
        std::filesystem::create_directories(dir_ / "pki/cadir");
        std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        std::string ca_ext = " -addext basicConstraints=critical,CA:TRUE"
                             " -addext keyUsage=critical,keyCertSign,cRLSign";
        std::string quiet = " 2>/dev/null";
        std::string cd = "cd '" + (dir_ / "pki").string() + "' && ";
        nginx_fixture::run_shell(cd + "openssl req -x509 " + ec + ca_ext +
                                 " -keyout ca.key -out ca.pem -days 2 -subj /CN=fleche-test-ca" +
                                 quiet);
        nginx_fixture::run_shell(cd + "openssl req -x509 " + ec + ca_ext +
                                 " -keyout other.key -out other.pem -days 2 -subj /CN=other-ca" +
                                 quiet);
        scratch_.write("pki/server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        scratch_.write("pki/client.ext", "extendedKeyUsage=clientAuth\n");
        for (std::string who : {"server", "client"}) {
            nginx_fixture::run_shell(cd + "openssl req " + ec + " -keyout " + who + ".key -out " +
                                     who + ".csr -subj /CN=fleche-" + who + quiet);
            nginx_fixture::run_shell(cd + "openssl x509 -req -in " + who +
                                     ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out " +
                                     who + ".pem -extfile " + who + ".ext" + quiet);
        }
        nginx_fixture::run_shell(cd + "cp ca.pem cadir/ && openssl rehash cadir");
    }

    std::string config() const {
        std::string d = dir_.string(), out;
        if (::geteuid() == 0) // else the workers run as nobody and cannot write the root
            out.append("user root;\n");
        out.append("worker_processes 1;\ndaemon off;\npid " + d + "/nginx.pid;\n");
        out.append("error_log " + d + "/error.log info;\n");
        out.append("events { worker_connections 64; }\nhttp {\n");
        out.append("  log_format fleche '$connection $request_method $uri $status "
                   "[$http_authorization] [$http_x_fleche_test]';\n");
        out.append("  access_log " + d + "/access.log fleche;\n");
        for (std::string temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
            out.append("  " + temp + "_temp_path " + d + "/tmp/" + temp + ";\n");
        out.append("  keepalive_timeout 60s;\n  root " + d + "/root;\n");
        out.append("  server {\n    listen 127.0.0.1:" + std::to_string(port_) + ";\n");
        out.append(locations());
        out.append("  }\n");
        if (options_.tls) {
            out.append("  server {\n    listen 127.0.0.1:" + std::to_string(tls_port_) + " ssl;\n");
            out.append("    ssl_certificate " + d + "/pki/server.pem;\n");
            out.append("    ssl_certificate_key " + d + "/pki/server.key;\n");
            out.append("    ssl_client_certificate " + d + "/pki/ca.pem;\n");
            out.append("    ssl_verify_client optional;\n");
            out.append(locations());
            out.append("    location /mtls/ {\n");
            out.append("      if ($ssl_client_verify != SUCCESS) { return 403; }\n");
            out.append("      dav_methods PUT; create_full_put_path on;\n    }\n");
            out.append("  }\n");
        }
        out.append("}\n");
        return out;
    }

    std::string locations() const {
        std::string dav = "dav_methods PUT DELETE; create_full_put_path on;";
        std::string out;
        out.append("    location /cache/ { " + dav + " client_max_body_size 1g; }\n");
        out.append("    location /small/ { " + dav + " client_max_body_size " +
                   options_.small_body_limit + "; }\n");
        out.append("    location /auth/ {\n      " + dav + " client_max_body_size 1g;\n");
        out.append("      limit_except GET HEAD { auth_basic fleche; auth_basic_user_file " +
                   dir_.string() + "/htpasswd; }\n    }\n");
        out.append("    location /bearer/ {\n");
        out.append("      if ($http_authorization != \"Bearer test-token\") { return 401; }\n");
        out.append("      " + dav + "\n    }\n");
        return out;
    }

    void wait_ready() {
        bool exited = false;
        bool ready = nginx_fixture::wait_until([&] {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                exited = true;
                return true;
            }
            int fd = nginx_fixture::connect_to(port_);
            if (fd < 0)
                return false;
            ::close(fd);
            return true;
        });
        if (exited)
            pid_ = -1;
        if (exited || !ready)
            throw std::runtime_error("nginx did not start: " +
                                     nginx_fixture::read_file(error_log_path()));
    }

    Options options_;
    ScratchDir scratch_;
    std::filesystem::path dir_;
    uint16_t port_ = 0, tls_port_ = 0;
    pid_t pid_ = -1;
};

// Accepts connections (the kernel completes the handshakes) and never answers.
class SilentServer {
  public:
    SilentServer() {
        fd_ = nginx_fixture::bound_socket(port_);
        ::listen(fd_, 16);
    }
    ~SilentServer() { ::close(fd_); }
    uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

// A listening socket whose accept queue one connection fills: Linux drops
// the next SYNs, so a connect hangs until the client gives up.
class FullServer {
  public:
    FullServer() {
        fd_ = nginx_fixture::bound_socket(port_);
        ::listen(fd_, 0);
        filler_ = nginx_fixture::connect_to(port_);
    }
    ~FullServer() {
        ::close(filler_);
        ::close(fd_);
    }
    uint16_t port() const { return port_; }

  private:
    int fd_ = -1, filler_ = -1;
    uint16_t port_ = 0;
};

// A port bound but not listening, held so that nobody else takes it.
class ClosedPort {
  public:
    ClosedPort() { fd_ = nginx_fixture::bound_socket(port_); }
    ~ClosedPort() { ::close(fd_); }
    uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
};
