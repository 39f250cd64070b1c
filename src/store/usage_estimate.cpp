#include "store/usage_estimate.hpp"

#include "util/fd.hpp"
#include "util/test_hook.hpp"

#include <charconv>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::store {

namespace {

constexpr std::string_view usage_magic = "fleche-usage";

template <class T> bool parse_field(std::string_view &text, T &value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data())
        return false;
    text.remove_prefix(size_t(end - text.data()));
    return true;
}

bool skip(std::string_view &text, char c) {
    if (text.empty() || text.front() != c)
        return false;
    text.remove_prefix(1);
    return true;
}

// The file, opened and locked; empty when it cannot be.
Fd open_locked(const std::string &path, int flags) {
    Fd fd(::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, 0666));
    if (fd && ::flock(fd.get(), LOCK_EX) != 0)
        fd.reset();
    return fd;
}

bool rewrite(int fd, const UsageEstimate &usage) {
    std::string line = encode_usage(usage);
    return ::pwrite(fd, line.data(), line.size(), 0) == ssize_t(line.size()) &&
           (test_hook("usage-line-written"), ::ftruncate(fd, off_t(line.size())) == 0);
}

} // namespace

std::string encode_usage(const UsageEstimate &usage) {
    return std::string(usage_magic) + " " + std::to_string(usage_format_version) + " " +
           std::to_string(usage.bytes) + " " + std::to_string(usage.oldest_use_ns) + "\n";
}

std::optional<UsageEstimate> decode_usage(std::string_view text) {
    if (!text.starts_with(usage_magic))
        return std::nullopt;
    text.remove_prefix(usage_magic.size());
    uint32_t version = 0;
    UsageEstimate usage;
    if (!skip(text, ' ') || !parse_field(text, version) || version != usage_format_version ||
        !skip(text, ' ') || !parse_field(text, usage.bytes) || !skip(text, ' ') ||
        !parse_field(text, usage.oldest_use_ns) || !skip(text, '\n') || !text.empty())
        return std::nullopt;
    return usage;
}

std::string usage_path(const std::string &store_dir) {
    return store_dir + "/gc.usage";
}

std::optional<UsageEstimate> add_usage(const std::string &store_dir, uint64_t bytes,
                                       int64_t use_ns) noexcept {
    Fd fd = open_locked(usage_path(store_dir), O_RDWR);
    if (!fd)
        return std::nullopt;
    char buffer[128];
    ssize_t n = ::pread(fd.get(), buffer, sizeof buffer, 0);
    auto usage = n > 0 ? decode_usage(std::string_view(buffer, size_t(n))) : std::nullopt;
    if (!usage)
        return std::nullopt;
    usage->bytes += bytes;
    if (!usage->oldest_use_ns)
        usage->oldest_use_ns = use_ns;
    if (!rewrite(fd.get(), *usage))
        return std::nullopt;
    return usage;
}

void create_usage(const std::string &store_dir) noexcept {
    Fd fd = open_locked(usage_path(store_dir), O_RDWR | O_CREAT);
    struct stat st;
    if (fd && ::fstat(fd.get(), &st) == 0 && st.st_size == 0) {
        // Not a valid line: a run reading it still finds the store unmeasured.
        std::string_view placeholder = "fleche-usage unmeasured\n";
        [[maybe_unused]] ssize_t n = ::write(fd.get(), placeholder.data(), placeholder.size());
    }
}

void write_usage(const std::string &store_dir, const UsageEstimate &usage) noexcept {
    if (Fd fd = open_locked(usage_path(store_dir), O_RDWR | O_CREAT))
        rewrite(fd.get(), usage);
}

} // namespace fleche::store
