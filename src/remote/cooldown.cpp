#include "remote/cooldown.hpp"

#include "store/store_access.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::remote {

namespace {

constexpr const char *stamp_magic = "fleche-remote-down 1\n";
constexpr int64_t stale_probe_ns = 60'000'000'000;

struct Stamp {
    std::string server, reason;
    int64_t until_ns = 0;
};

std::optional<Stamp> read_stamp(const std::string &path) {
    Fd fd = store::open_store_file(path, O_RDONLY);
    if (!fd)
        return std::nullopt;
    char buffer[4096];
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n <= 0)
        return std::nullopt;
    std::string_view text(buffer, size_t(n));
    if (!text.starts_with(stamp_magic))
        return std::nullopt;
    text.remove_prefix(std::string_view(stamp_magic).size());
    Stamp stamp;
    bool server = false, until = false, reason = false;
    while (!text.empty()) {
        size_t end = text.find('\n');
        if (end == std::string_view::npos)
            return std::nullopt; // not whole
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end + 1);
        if (line.starts_with("server ")) {
            stamp.server = line.substr(7), server = true;
        } else if (line.starts_with("until ")) {
            std::string digits(line.substr(6));
            char *rest = nullptr;
            stamp.until_ns = std::strtoll(digits.c_str(), &rest, 10);
            until = !digits.empty() && *rest == '\0';
        } else if (line.starts_with("reason ")) {
            stamp.reason = line.substr(7), reason = true;
        }
    }
    if (!server || !until || !reason)
        return std::nullopt;
    return stamp;
}

std::string one_line(std::string text) {
    for (char &c : text)
        if (c == '\n' || c == '\r')
            c = ' ';
    return text;
}

} // namespace

Cooldown::Cooldown(const std::string &store_dir, std::string server)
    : stamp_path_(store_dir + "/remote-down"), probe_path_(store_dir + "/remote-probe"),
      tmp_dir_(store_dir + "/tmp"), server_(one_line(std::move(server))) {}

std::optional<std::string> Cooldown::active(int64_t now_ns) const noexcept {
    try {
        auto stamp = read_stamp(stamp_path_);
        if (stamp && stamp->server == server_ && stamp->until_ns > now_ns)
            return stamp->reason;
    } catch (const std::exception &) {
    }
    return std::nullopt;
}

bool Cooldown::claim_probe(int64_t now_ns) noexcept {
    try {
        auto stamp = read_stamp(stamp_path_);
        if (!stamp || stamp->server != server_)
            return true;
        if (stamp->until_ns > now_ns)
            return false;
        for (int attempt = 0; attempt < 2; ++attempt) {
            Fd fd = store::open_store_file(probe_path_, O_WRONLY | O_CREAT | O_EXCL);
            if (fd) {
                probing_ = true;
                return true;
            }
            struct stat st {};
            if (errno != EEXIST || ::lstat(probe_path_.c_str(), &st) != 0)
                return true; // no probe file can be made: ask anyway
            int64_t age =
                now_ns - (int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
            if (age < stale_probe_ns)
                return false; // another process is asking
            ::unlink(probe_path_.c_str());
        }
    } catch (const std::exception &) {
    }
    return false;
}

bool Cooldown::begin(int64_t now_ns, int64_t duration_ns, const std::string &reason) {
    bool first = !active(now_ns);
    std::string text = stamp_magic;
    text.append("server ").append(server_).append("\n");
    text.append("until ").append(std::to_string(now_ns + duration_ns)).append("\n");
    text.append("reason ").append(one_line(reason)).append("\n");
    TempFile tmp(tmp_dir_ + "/remote-down");
    store::share_new_file(tmp.fd());
    if (!write_all(tmp.fd(), text))
        throw Error(errno_message("cannot write '" + tmp.path() + "'", errno));
    store::commit_store_file(tmp, stamp_path_, "remote-down-rename");
    if (probing_)
        ::unlink(probe_path_.c_str()), probing_ = false;
    return first;
}

void Cooldown::end() noexcept {
    if (!probing_)
        return;
    ::unlink(stamp_path_.c_str());
    ::unlink(probe_path_.c_str());
    probing_ = false;
}

} // namespace fleche::remote
