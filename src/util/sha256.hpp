// SHA-256 through OpenSSL's one-shot block functions rather than the EVP
// interface: EVP fetches a provider on first use, which costs ~0.8 ms on every
// hit (bench/), while SHA256_* runs the same assembly with no set-up.
#pragma once

#include <openssl/sha.h>

#include <array>
#include <string>
#include <string_view>

namespace fleche {

using Digest = std::array<unsigned char, 32>;

class Sha256 {
  public:
    Sha256() { SHA256_Init(&ctx_); }
    void update(const void *data, size_t size) { SHA256_Update(&ctx_, data, size); }
    void update(std::string_view text) { update(text.data(), text.size()); }
    Digest finish();
    std::string finish_hex();

  private:
    SHA256_CTX ctx_;
};

std::string to_hex(const Digest &digest);
std::string sha256_hex(std::string_view data);
// Digest of a regular file's content, read in large blocks. Throws Error on
// I/O errors.
std::string sha256_file_hex(const std::string &path);
// The same for an open file, read from its current offset; `path` names it in
// errors. Anything but a regular file is refused (Error).
std::string sha256_fd_hex(int fd, const std::string &path);
bool is_hex_digest(std::string_view text);

} // namespace fleche
