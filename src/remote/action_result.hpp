// The ac/<key> value fleche puts on a Bazel HTTP cache (and, the same bytes,
// in Redis): a REAPI build.bazel.remote.execution.v2.ActionResult, encoded
// by hand (protobuf wire format, no libprotobuf). bazel-remote validates
// ac/ values as ActionResults and answers a GET only when every blob one
// references is in its CAS, so fleche lists all it stores: its own record
// under a reserved path, the log, each output file and symlink.
//
// Fields written (field number: wire type), in this order:
//   2 output_files     (len) OutputFile { 1 path (len), 2 digest (len)
//                            Digest { 1 hash (len, lower-case hex),
//                            2 size_bytes (varint) }, 4 is_executable (varint) }
//   4 exit_code        (varint, int32 two's complement as 64 bits)
//   9 execution_metadata (len) { 1 worker (len) }: "fleche/<version>", so
//                      that bazel-remote keeps it instead of stamping the
//                      client's address in
//  12 output_symlinks  (len) OutputSymlink { 1 path (len), 2 target (len) }
// The reader takes the fields in any order and skips unknown ones (a server
// may re-serialise the value and add its own); it refuses truncated input.
//
// fleche reads only the reserved outputs: ".fleche/entry" (the remote
// record of an entry, remote_record.hpp) and ".fleche/path-sets" (a traced
// key's path-set list). The rest is for the server.
#pragma once

#include "store/entry.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleche::remote {

inline constexpr const char *reserved_entry_path = ".fleche/entry";
inline constexpr const char *reserved_path_sets_path = ".fleche/path-sets";
inline constexpr const char *reserved_log_path = ".fleche/log";

struct ActionFile {
    std::string path, sha256;
    uint64_t size = 0;
    bool executable = false;
};

struct ActionResult {
    int32_t exit_code = 0;
    std::vector<ActionFile> files;
    std::vector<std::pair<std::string, std::string>> symlinks; // path, target
    std::string worker;
};

std::string encode_action_result(const ActionResult &result);
// nullopt for bytes that are not a well-formed ActionResult. Never throws.
std::optional<ActionResult> decode_action_result(std::string_view bytes) noexcept;
std::optional<ActionFile> find_reserved(const ActionResult &result, std::string_view path);

// What fleche puts at ac/<entry.key>: its record (CAS blob `record_sha256`
// of `record_size` bytes), its log, its outputs.
ActionResult action_result_for(const store::Entry &entry, const std::string &record_sha256,
                               uint64_t record_size);
// What it puts at ac/<K1> of a traced key: the path-set list's record.
ActionResult action_result_for_path_sets(const std::string &record_sha256, uint64_t record_size);

} // namespace fleche::remote
