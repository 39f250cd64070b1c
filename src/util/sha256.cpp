#include "util/sha256.hpp"

#include "util/error.hpp"
#include "util/fd.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>

namespace fleche {

Digest Sha256::finish() {
    Digest digest;
    SHA256_Final(digest.data(), &ctx_);
    return digest;
}

std::string Sha256::finish_hex() {
    return to_hex(finish());
}

std::string to_hex(const Digest &digest) {
    static const char hex[] = "0123456789abcdef";
    std::string out(64, '0');
    for (size_t i = 0; i < digest.size(); ++i) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xf];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.finish_hex();
}

std::string sha256_file_hex(const std::string &path) {
    // O_NONBLOCK: a FIFO put in the file's place must not hang the hashing.
    Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd)
        throw Error(errno_message("cannot read '" + path + "'", errno));
    return sha256_fd_hex(fd.get(), path);
}

std::string sha256_fd_hex(int fd, const std::string &path) {
    // Large reads for large files; a small file gets a small buffer, and no
    // buffer is zeroed first (both showed in the hit path's profile).
    struct stat st;
    bool stated = ::fstat(fd, &st) == 0;
    // A FIFO or device put in the file's place may never end.
    if (stated && !S_ISREG(st.st_mode))
        throw Error("cannot read '" + path + "': it is no longer a regular file");
    size_t size = stated ? static_cast<size_t>(st.st_size) + 1 : 1 << 20;
    size = std::clamp<size_t>(size, 4096, 1 << 20);
    if (size == 1 << 20)
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    auto buffer = std::make_unique_for_overwrite<char[]>(size);
    Sha256 h;
    for (;;) {
        ssize_t n = read_some(fd, buffer.get(), size);
        if (n < 0)
            throw Error(errno_message("cannot read '" + path + "'", errno));
        if (n == 0)
            break;
        h.update(buffer.get(), static_cast<size_t>(n));
    }
    return h.finish_hex();
}

namespace {

constexpr uint64_t bytes_of(unsigned char b) {
    return 0x0101010101010101ull * b;
}

// Eight characters at a time, with no branch on them (the hit path checks
// every digest an entry file or a path-set list holds): the top bit of each
// byte says whether it is in a range, from sums that cannot carry into the
// next byte once every byte is known to be below 0x80.
bool eight_hex(uint64_t x) {
    constexpr uint64_t top = bytes_of(0x80);
    auto at_least = [x](unsigned char low) { return (x + bytes_of(0x80 - low)) & top; };
    uint64_t digit = at_least('0') & ~at_least('9' + 1);
    uint64_t letter = at_least('a') & ~at_least('f' + 1);
    return (x & top) == 0 && (digit | letter) == top;
}

} // namespace

bool is_hex_digest(std::string_view text) {
    if (text.size() != 64)
        return false;
    bool ok = true;
    for (size_t i = 0; i < 64; i += 8) {
        uint64_t x;
        std::memcpy(&x, text.data() + i, 8);
        ok &= eight_hex(x);
    }
    return ok;
}

} // namespace fleche
