// The remote record: what fleche puts in the CAS under the reserved output
// of an ac/ value (action_result.hpp): an entry file (store/entry_file.hpp)
// or a traced key's path-set list (store/path_set_list.hpp), verbatim,
// behind a signature line.
//
// Encoding (version 1):
//   "fleche-remote 1\n"
//   "signature " (HEX | "-") "\n"    HMAC-SHA256, or "-" for unsigned
//   the record's bytes, to the end
// The HMAC is keyed with the shared signing key and taken over
// "fleche-entry-v1\n" K "\n" SHA-256(bytes) "\n", where K is the ac/ name
// (the key) the record was put under: a signature binds that key to these
// bytes, so that a writer without the key can neither forge a record nor
// point another key's ac/ value at a signed one. The signature is inside the
// CAS blob, whose bytes are stable, and not over the ac/ value, which servers
// such as bazel-remote re-serialise.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fleche::remote {

inline constexpr unsigned remote_record_version = 1;

std::string encode_remote_record(std::string_view bytes, const std::string &key,
                                 const std::optional<std::string> &signing_key);

struct RecordRead {
    std::optional<std::string> bytes; // the entry file or list, when accepted
    std::string refusal;              // else why: "unsigned", "signed with another key", ...
};

// With a signing key, only a record signed with it for `key` is accepted;
// without one, any well-formed record (its signature unread). Never throws.
RecordRead decode_remote_record(std::string_view record, const std::string &key,
                                const std::optional<std::string> &signing_key) noexcept;

// The key in `path`, a file that only its owner may read (else Error saying
// `chmod 600 PATH`), without a final newline. Throws Error.
std::string read_signing_key_file(const std::string &path);

} // namespace fleche::remote
