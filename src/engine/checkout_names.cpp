#include "engine/checkout_names.hpp"

#include "util/fd.hpp"
#include "util/fs.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace fleche::engine {

namespace {

// The spellings of the base directory an output may hold: as configured and
// as the kernel names it (through no symbolic link).
std::vector<std::string> checkout_spellings(const std::string &base_dir) {
    std::vector<std::string> spellings{base_dir};
    char resolved[PATH_MAX];
    if (::realpath(base_dir.c_str(), resolved) && base_dir != resolved)
        spellings.emplace_back(resolved);
    return spellings;
}

bool relocated(const std::string &base_dir) {
    if (base_dir.empty() || base_dir == "/")
        return false; // every path is beneath "/": nothing moves with a checkout
    std::error_code error;
    std::string cwd = std::filesystem::current_path(error).string();
    for (const auto &dir : checkout_spellings(base_dir))
        if (!error && path_within(cwd, dir))
            return true;
    return false;
}

// Whether the file holds any of `needles`, read in pieces that overlap by
// the longest needle so that one split across two pieces is found.
bool holds(const std::string &path, const std::vector<std::string> &needles) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        return true;
    size_t overlap = 0;
    for (const auto &needle : needles)
        overlap = std::max(overlap, needle.size());
    std::string buffer;
    char chunk[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return true;
        if (n == 0)
            return false;
        buffer.append(chunk, static_cast<size_t>(n));
        for (const auto &needle : needles)
            if (buffer.find(needle) != std::string::npos)
                return true;
        if (buffer.size() > overlap)
            buffer.erase(0, buffer.size() - overlap);
    }
}

} // namespace

std::optional<std::string> output_naming_checkout(const std::vector<store::OutputRecord> &outputs,
                                                  const key::Invocation &invocation) {
    if (!invocation.base_dir || !relocated(*invocation.base_dir))
        return std::nullopt;
    std::vector<std::string> needles = checkout_spellings(*invocation.base_dir);
    for (const auto &output : outputs)
        if (output.type == store::OutputType::file && holds(output.path, needles))
            return output.path;
    return std::nullopt;
}

} // namespace fleche::engine
