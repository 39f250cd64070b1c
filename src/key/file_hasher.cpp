#include "key/file_hasher.hpp"

#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"
#include "util/test_hook.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

namespace fleche::key {

namespace {

// Below this many bytes to hash, threads cost more than they save.
constexpr uint64_t parallel_threshold = 8 << 20;

// File times come from a coarse kernel clock: anything this close to now may
// still change without its stamp changing.
constexpr int64_t racy_window_ns = 2'000'000'000;

int64_t ns_of(const timespec &ts) {
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

FileStamp stamp_of(const struct stat &st) {
    return {static_cast<int64_t>(st.st_dev), static_cast<int64_t>(st.st_ino),
            static_cast<int64_t>(st.st_size), ns_of(st.st_mtim), ns_of(st.st_ctim)};
}

FileHasher::FileHasher(DigestCache *cache)
    : FileHasher(cache, test_racy_window_ns(racy_window_ns)) {}

FileHasher::FileHasher(DigestCache *cache, int64_t window_ns)
    : cache_(cache), racy_after_ns_(now_ns() - window_ns) {
    if (cache_) {
        std::error_code ec;
        cwd_ = std::filesystem::current_path(ec).string();
    }
}

namespace {

// Whether `path` (absolute) has no empty, "." or ".." component, nor a
// trailing slash: then lexically_normal() would return it unchanged.
bool is_normal(std::string_view path) {
    for (size_t start = 1; start <= path.size();) {
        size_t end = std::min(path.find('/', start), path.size());
        std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..")
            return false;
        start = end + 1;
    }
    return true;
}

} // namespace

std::string FileHasher::absolute(const std::string &path) const {
    // One slot per file however it was named (./tool, a//b). Most names are
    // normal already, and std::filesystem's normalisation costs more than
    // the stat cache's lookup (callgrind: 60% of a 3,000-file hit).
    std::string joined = path.starts_with('/') ? path : cwd_ + "/" + path;
    if (is_normal(joined))
        return joined;
    return std::filesystem::path(joined).lexically_normal().string();
}

void FileHasher::remember(const std::string &key, const FileStamp &stamp,
                          const std::string &digest) {
    if (cache_ && stamp.mtime_ns < racy_after_ns_ && stamp.ctime_ns < racy_after_ns_)
        cache_->remember(key, stamp, digest);
}

std::string FileHasher::digest(const std::string &path, const struct stat &st) {
    std::string problem;
    auto digest = try_digest(path, st, problem);
    if (!digest)
        throw Error(problem);
    return *digest;
}

std::optional<std::string> FileHasher::try_digest(const std::string &path, const struct stat &st,
                                                  std::string &problem) {
    return try_digest(path, stamp_of(st), problem);
}

std::optional<std::string> FileHasher::try_digest(const std::string &path, const FileStamp &stamp,
                                                  std::string &problem) {
    std::string key = cache_ ? absolute(path) : "";
    if (cache_)
        if (auto digest = cache_->find(key, stamp))
            return to_hex(*digest);
    if (auto it = prefetched_.find(path); it != prefetched_.end() && it->second.first == stamp) {
        remember(key, stamp, it->second.second);
        return it->second.second;
    }
    // O_NONBLOCK: should a FIFO have replaced the file since `st`, opening it
    // must not wait for a writer (and sha256_fd_hex refuses to read it).
    Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        problem = errno_message("cannot read '" + path + "'", errno);
        return std::nullopt;
    }
    std::string digest;
    try {
        digest = sha256_fd_hex(fd.get(), path);
    } catch (const Error &e) { // an I/O error or a swapped file: rare, never on a hit
        problem = e.what();
        return std::nullopt;
    }
    // Remember only what was hashed from the file we stat'ed, unchanged since.
    struct stat after;
    if (::fstat(fd.get(), &after) == 0 && stamp_of(after) == stamp)
        remember(key, stamp, digest);
    return digest;
}

std::optional<Digest> FileHasher::recall(const std::string &path, const FileStamp &stamp) {
    if (!cache_)
        return std::nullopt;
    // A traced key's paths are absolute and normal: no copy of each.
    if (path.starts_with('/') && is_normal(path))
        return cache_->find(path, stamp);
    return cache_->find(absolute(path), stamp);
}

std::optional<Digest> FileHasher::recall_fact(const std::string &fact, const FileStamp &stamp) {
    if (!cache_)
        return std::nullopt;
    return cache_->find("fact:" + fact, stamp);
}

void FileHasher::remember_fact(const std::string &fact, const FileStamp &stamp,
                               const std::string &digest) {
    remember("fact:" + fact, stamp, digest);
}

FileHasher::Directory FileHasher::directory(const std::string &dir) const {
    if (!cache_)
        return {};
    // A name is one component, neither "." nor "..": the directory's normal
    // path, a slash and the name is the file's normal path.
    std::string prefix = absolute(dir);
    if (!prefix.ends_with('/'))
        prefix += '/';
    return {cache_->directory(prefix)};
}

std::optional<Digest> FileHasher::recall_in(const Directory &dir, std::string_view name,
                                            const FileStamp &stamp) const {
    if (!cache_)
        return std::nullopt;
    return cache_->find_in(dir.token, name, stamp);
}

void FileHasher::prefetch(const std::vector<Found> &files) {
    struct Job {
        std::string path;
        FileStamp stamp;
        std::string digest;
    };
    uint64_t bytes = 0;
    for (const auto &file : files)
        bytes += static_cast<uint64_t>(file.stamp.size);
    size_t threads = std::min<size_t>(std::thread::hardware_concurrency(), files.size());
    if (threads < 2 || bytes < parallel_threshold)
        return;
    std::vector<Job> jobs;
    for (const auto &[path, stamp] : files)
        jobs.push_back({path, stamp, ""});
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next++) < jobs.size();) {
            try {
                std::string digest = sha256_file_hex(jobs[i].path);
                struct stat after;
                if (::stat(jobs[i].path.c_str(), &after) == 0 && stamp_of(after) == jobs[i].stamp)
                    jobs[i].digest = std::move(digest);
            } catch (const Error &) {
                // digest() meets the same error and reports it
            }
        }
    };
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t)
        pool.emplace_back(work);
    for (auto &thread : pool)
        thread.join();
    for (auto &job : jobs)
        if (!job.digest.empty())
            prefetched_[job.path] = {job.stamp, std::move(job.digest)};
}

} // namespace fleche::key
