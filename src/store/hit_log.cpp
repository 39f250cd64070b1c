#include "store/hit_log.hpp"

#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/fd.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
        char key[65];
        long long when = 0, duration = 0;
        // A torn or foreign line is skipped: a hit lost is only a statistic.
        if (std::sscanf(line.c_str(), "%64[0-9a-f] %lld %lld", key, &when, &duration) != 3 ||
            std::strlen(key) != 64)
            continue;
        Hits &h = hits[key];
        ++h.count;
        h.last_ns = std::max<int64_t>(h.last_ns, when);
        h.duration_ns += duration;
    }
    return hits;
}

} // namespace

bool HitLog::append(const std::string &key, int64_t when_ns, int64_t duration_ns) const {
    char line[128];
    int n = std::snprintf(line, sizeof line, "%s %lld %lld\n", key.c_str(), (long long)when_ns,
                          (long long)duration_ns);
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
        if (::stat(path.c_str(), &current) == 0 && current.st_ino == opened.st_ino &&
            current.st_dev == opened.st_dev)
            return write_all(fd.get(), line, static_cast<size_t>(n));
    }
    return false;
}

bool HitLog::large() const {
    struct stat st;
    return ::stat((dir_ + "/hits.log").c_str(), &st) == 0 && st.st_size > fold_threshold;
}

void HitLog::fold(Index &index) const {
    // Take the log away under a name of our own: appends that come later
    // start a new log, and no two folds apply the same hits.
    std::string log = dir_ + "/hits.log";
    std::string mine = log + "." + std::to_string(::getpid());
    if (::rename(log.c_str(), mine.c_str()) != 0)
        return; // nothing logged
    // Wait for writers that opened the log before it was renamed. Not a file
    // (a symbolic link planted in the store): nothing to fold.
    Fd fd = open_store_file(mine, O_RDONLY);
    if (fd)
        ::flock(fd.get(), LOCK_EX);
    std::string text = fd ? read_rest(fd.get(), mine) : "";
    ::unlink(mine.c_str());
    try {
        Database &db = index.database();
        Transaction transaction(db);
        for (const auto &[key, h] : parse(text))
            index.apply_hits(key, h.count, h.last_ns, h.duration_ns);
        transaction.commit();
    } catch (...) {
        // Give the hits back for the next fold.
        Fd again = open_store_file(log, O_WRONLY | O_APPEND | O_CREAT);
        if (again)
            write_all(again.get(), text);
        throw;
    }
}

} // namespace fleche::store
