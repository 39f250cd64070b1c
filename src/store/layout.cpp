#include "store/layout.hpp"

#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <string_view>
#include <unistd.h>

namespace fleche::store {

namespace {

constexpr std::string_view layout_magic = "fleche-store-layout ";

std::string format_path(const std::string &store_dir) {
    return store_dir + "/format";
}

} // namespace

std::optional<int> read_layout_version(const std::string &store_dir) {
    Fd fd = open_store_file(format_path(store_dir), O_RDONLY);
    if (!fd)
        return std::nullopt;
    char buffer[64];
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n <= 0)
        return std::nullopt;
    std::string_view text(buffer, static_cast<size_t>(n));
    if (!text.starts_with(layout_magic) || !text.ends_with('\n'))
        return std::nullopt;
    text.remove_prefix(layout_magic.size());
    text.remove_suffix(1);
    int version = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (error != std::errc() || end != text.data() + text.size() || version < 1)
        return std::nullopt;
    return version;
}

void write_layout_version(const std::string &store_dir) {
    TempFile file(store_dir + "/tmp/format");
    share_new_file(file.fd());
    test_hook("format-temp");
    std::string text = std::string(layout_magic) + std::to_string(store_layout_version) + "\n";
    if (::write(file.fd(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw Error(errno_message("cannot write '" + file.path() + "'", errno));
    test_hook("format-written");
    file.commit(format_path(store_dir));
    test_hook("format-renamed");
}

} // namespace fleche::store
