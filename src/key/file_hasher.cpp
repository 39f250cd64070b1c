#include "key/file_hasher.hpp"

#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>

namespace fleche::key {

namespace {

// File times come from a coarse kernel clock: anything this close to now may
// still change without its stamp changing.
constexpr int64_t racy_window_ns = 2'000'000'000;

int64_t ns_of(const timespec &ts) { return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec; }

} // namespace

FileStamp stamp_of(const struct stat &st) {
    return {static_cast<int64_t>(st.st_dev), static_cast<int64_t>(st.st_ino),
            static_cast<int64_t>(st.st_size), ns_of(st.st_mtim), ns_of(st.st_ctim)};
}

FileHasher::FileHasher(DigestCache *cache)
    : cache_(cache), racy_after_ns_(now_ns() - racy_window_ns) {
    if (cache_) {
        std::error_code ec;
        cwd_ = std::filesystem::current_path(ec).string();
    }
}

std::string FileHasher::absolute(const std::string &path) const {
    // One row per file however it was named (./tool, a//b).
    return std::filesystem::path(path.starts_with('/') ? path : cwd_ + "/" + path)
        .lexically_normal()
        .string();
}

std::string FileHasher::digest(const std::string &path, const struct stat &st) {
    FileStamp stamp = stamp_of(st);
    std::string key = cache_ ? absolute(path) : "";
    if (cache_)
        if (auto digest = cache_->find(key, stamp))
            return *digest;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw Error(errno_message("cannot read '" + path + "'", errno));
    std::string digest = sha256_fd_hex(fd.get(), path);
    // Remember only what was hashed from the file we stat'ed, unchanged since.
    struct stat after;
    bool unchanged = ::fstat(fd.get(), &after) == 0 && stamp_of(after) == stamp;
    if (cache_ && unchanged && stamp.mtime_ns < racy_after_ns_ && stamp.ctime_ns < racy_after_ns_)
        cache_->remember(key, stamp, digest);
    return digest;
}

} // namespace fleche::key
