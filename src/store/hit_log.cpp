#include "store/hit_log.hpp"

#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/test_hook.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fleche::store {

namespace {

constexpr off_t fold_threshold = 1 << 20;

struct Hits {
    int64_t count = 0;
    int64_t last_ns = 0;
    int64_t duration_ns = 0;
};

std::map<std::string, Hits> parse(const std::string &text) {
    std::map<std::string, Hits> hits;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto hit = decode_hit(line);
        if (!hit)
            continue;
        Hits &h = hits[hit->key];
        ++h.count;
        h.last_ns = std::max(h.last_ns, hit->when_ns);
        h.duration_ns += hit->duration_ns;
    }
    return hits;
}

bool is_key(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// A decimal number of nanoseconds, all of `text`.
bool parse_ns(std::string_view text, int64_t &out) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size();
}

} // namespace

std::string encode_hit(const LoggedHit &hit) {
    return "h" + std::to_string(hit_log_format_version) + " " + hit.key + " " +
           std::to_string(hit.when_ns) + " " + std::to_string(hit.duration_ns) + "\n";
}

std::optional<LoggedHit> decode_hit(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t start = 0;
    while (fields.size() < 5) {
        size_t space = line.find(' ', start);
        fields.push_back(line.substr(start, space - start));
        if (space == std::string_view::npos)
            break;
        start = space + 1;
    }
    std::string version = "h" + std::to_string(hit_log_format_version);
    if (fields.size() == 4 && fields[0] == version)
        fields.erase(fields.begin());
    else if (fields.size() != 3) // version 1 has no version field
        return std::nullopt;
    LoggedHit hit;
    if (!is_key(fields[0]) || !parse_ns(fields[1], hit.when_ns) ||
        !parse_ns(fields[2], hit.duration_ns))
        return std::nullopt;
    hit.key = fields[0];
    return hit;
}

bool HitLog::append(const std::string &key, int64_t when_ns, int64_t duration_ns) const {
    std::string line = encode_hit({key, when_ns, duration_ns});
    std::string path = dir_ + "/hits.log";
    // A fold may take the log away between our open and our write: writers
    // hold a shared lock while they write, the fold an exclusive one before
    // it reads, and a writer whose file is no longer the log tries again.
    for (int attempt = 0; attempt < 10; ++attempt) {
        Fd fd = open_store_file(path, O_WRONLY | O_APPEND | O_CREAT);
        if (!fd || ::flock(fd.get(), LOCK_SH) != 0)
            return false;
        struct stat opened, current;
        if (::fstat(fd.get(), &opened) != 0)
            return false;
        if (::lstat(path.c_str(), &current) == 0 && current.st_ino == opened.st_ino &&
            current.st_dev == opened.st_dev) {
            test_hook("hit-log-locked");
            bool written = write_all(fd.get(), line);
            test_hook("hit-logged");
            return written;
        }
    }
    return false;
}

bool HitLog::large() const {
    struct stat st;
    return ::stat((dir_ + "/hits.log").c_str(), &st) == 0 && st.st_size > fold_threshold;
}

namespace {

void apply(Index &index, const std::string &text, const std::string &log) {
    try {
        Database &db = index.database();
        Transaction transaction(db);
        for (const auto &[key, h] : parse(text))
            index.apply_hits(key, h.count, h.last_ns, h.duration_ns);
        transaction.commit();
        test_hook("hit-log-folded");
    } catch (...) {
        // Give the hits back for the next fold.
        Fd again = open_store_file(log, O_WRONLY | O_APPEND | O_CREAT);
        if (again)
            write_all(again.get(), text);
        throw;
    }
}

} // namespace

void HitLog::fold_leftovers(Index &index) const {
    std::string prefix = "hits.log.";
    for (const auto &name : directory_entries(dir_)) {
        if (!name.starts_with(prefix) || name.size() == prefix.size() ||
            name.find_first_not_of("0123456789", prefix.size()) != std::string::npos)
            continue;
        // Only a dead folder's: a live one may be between its rename and
        // its lock.
        pid_t pid = static_cast<pid_t>(std::atoll(name.c_str() + prefix.size()));
        if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        std::string path = dir_ + "/" + name;
        Fd fd = open_store_file(path, O_RDONLY);
        if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
            continue;
        std::string text = read_rest(fd.get(), path);
        if (::unlink(path.c_str()) != 0)
            continue; // another gc took it
        test_hook("hit-log-leftover-taken");
        apply(index, text, dir_ + "/hits.log");
    }
}

void HitLog::fold(Index &index) const {
    // Take the log away under a name of our own: appends that come later
    // start a new log, and no two folds apply the same hits.
    std::string log = dir_ + "/hits.log";
    std::string mine = log + "." + std::to_string(::getpid());
    if (::rename(log.c_str(), mine.c_str()) != 0)
        return; // nothing logged
    test_hook("hit-log-taken");
    // Wait for writers that opened the log before it was renamed. Not a file
    // (a symbolic link planted in the store): nothing to fold.
    Fd fd = open_store_file(mine, O_RDONLY);
    if (fd)
        ::flock(fd.get(), LOCK_EX);
    std::string text = fd ? read_rest(fd.get(), mine) : "";
    ::unlink(mine.c_str());
    test_hook("hit-log-read");
    apply(index, text, log);
}

} // namespace fleche::store
