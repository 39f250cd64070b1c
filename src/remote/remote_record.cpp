#include "remote/remote_record.hpp"

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"
#include "util/text.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

namespace fleche::remote {

namespace {

constexpr std::string_view record_magic = "fleche-remote 1\n";
constexpr std::string_view signature_prefix = "signature ";

std::string signature(std::string_view bytes, const std::string &key,
                      const std::string &signing_key) {
    std::string message = "fleche-entry-v1\n" + key;
    message.append("\n").append(sha256_hex(bytes)).append("\n");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), signing_key.data(), int(signing_key.size()),
              reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac, &size))
        throw Error("cannot compute an HMAC-SHA256 (OpenSSL)");
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < size; ++i)
        out.append(1, hex[mac[i] >> 4]).append(1, hex[mac[i] & 15]);
    return out;
}

} // namespace

std::string encode_remote_record(std::string_view bytes, const std::string &key,
                                 const std::optional<std::string> &signing_key) {
    std::string out(record_magic);
    out.append(signature_prefix);
    out.append(signing_key ? signature(bytes, key, *signing_key) : "-");
    out.append("\n");
    out.append(bytes);
    return out;
}

RecordRead decode_remote_record(std::string_view record, const std::string &key,
                                const std::optional<std::string> &signing_key) noexcept {
    RecordRead read;
    try {
        if (!record.starts_with(record_magic)) {
            read.refusal =
                "not a fleche record of version " + std::to_string(remote_record_version);
            return read;
        }
        record.remove_prefix(record_magic.size());
        size_t end = record.find('\n');
        if (!record.starts_with(signature_prefix) || end == std::string_view::npos) {
            read.refusal = "malformed (no signature line)";
            return read;
        }
        std::string_view given =
            record.substr(signature_prefix.size(), end - signature_prefix.size());
        std::string_view bytes = record.substr(end + 1);
        if (signing_key) {
            if (given == "-") {
                read.refusal = "unsigned, and a signing key is set";
                return read;
            }
            std::string expected = signature(bytes, key, *signing_key);
            if (given.size() != expected.size() ||
                CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
                read.refusal = "signed with another key, or tampered with (bad signature)";
                return read;
            }
        }
        read.bytes = std::string(bytes);
    } catch (const std::exception &e) {
        read.refusal = e.what();
    }
    return read;
}

std::string read_signing_key_file(const std::string &path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0)
        throw Error(errno_message("remote.signing_key_file '" + path + "' cannot be read", errno));
    if (st.st_mode & 077)
        throw Error("remote.signing_key_file '" + path +
                    "' may be read by others than its owner; run chmod 600 " + path);
    std::string key;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd.get(), buffer, sizeof buffer)) > 0;)
        key.append(buffer, size_t(n));
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r'))
        key.pop_back();
    if (key.empty())
        throw Error("remote.signing_key_file '" + path + "' is empty");
    return key;
}

} // namespace fleche::remote
