// The key record: the canonical, versioned description of an invocation with
// every input reduced to a content digest. The key is the SHA-256 of its
// encoding, so the encoding must never change by accident: golden vectors in
// tests/unit/key_record_test.cpp pin it, and any change bumps key_format_version.
//
// Encoding (version 1), one element per line, in this order:
//   "fleche-key 1"
//   "argv " STR                      for each argument, in order (argv[0] as typed),
//                                    except those matched by an ignore_args glob
//   "tool " HEX                      executable content; then one line per
//   "interpreter " HEX               #! interpreter, outermost script first
//                                    (other tool modes, see key/tool.hpp, put
//                                    their own digests in these lines)
//   "cwd " STR                       only with --key-cwd
//   "env " STR " " (STR | "unset")   sorted by name
//   "input " STR " " KIND            sorted by path; KIND is "file " HEX,
//                                    "exec " HEX (executable file), "dir " HEX
//                                    (Merkle tree), "link " HEX or "missing"
//   "stdin " HEX                     only with --stdin
//   "salt " STR                      only with --salt
//   "output " STR                    declared outputs, sorted
//   "trace " STR                     only with --trace: what the trace keys on
//                                    (key/traced_inputs.hpp, trace_scheme());
//                                    the record is then a first key, K1, naming a
//                                    path-set list (store/path_set_list.hpp)
// where STR is a length-prefixed byte string "<decimal length>:<bytes>" (so
// any byte, newlines included, is unambiguous) and HEX a SHA-256 in lower-case hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleche::key {

inline constexpr int key_format_version = 1;

// The one codec of STR above, for the record and for whatever searches
// encoded records (store/entry_query.cpp, store/closest_query.cpp) or spells
// names the same way (the directory listing of key/input_digest.cpp).
void append_record_str(std::string &out, std::string_view value);
std::string record_str(std::string_view value);
// Reads a STR at `pos` of `text` and moves `pos` past it; false (and `pos`
// unchanged) when there is none.
bool read_record_str(std::string_view text, size_t &pos, std::string &out);
// The first line, "fleche-key 1\n".
std::string record_header();
// One encoded line of a string element: "<field> " STR "\n".
std::string record_line(std::string_view field, std::string_view value);

struct EnvValue {
    std::string name;
    std::optional<std::string> value; // nullopt: unset, distinct from ""
    bool operator==(const EnvValue &) const = default;
};

enum class InputKind { file, executable, directory, symlink, missing };

struct InputDigest {
    std::string path; // as declared, lexically normalised
    InputKind kind = InputKind::missing;
    std::string digest; // empty for missing
    bool operator==(const InputDigest &) const = default;
};

struct KeyRecord {
    std::vector<std::string> argv;
    std::vector<std::string> tool; // executable digest, then interpreters
    std::optional<std::string> cwd;
    std::vector<EnvValue> env;
    std::vector<InputDigest> inputs;
    std::optional<std::string> stdin_digest;
    std::optional<std::string> salt;
    std::vector<std::string> outputs;
    std::optional<std::string> trace; // traced keys only

    // Sorts and de-duplicates the set-like elements; encode() expects it.
    void canonicalize();
    std::string encode() const;
    // 64 hex characters.
    std::string key() const;
    // The inverse of encode(), for show and explain: nullopt for a malformed
    // record or one of another key_format_version.
    static std::optional<KeyRecord> parse(const std::string &encoded);
};

std::string input_kind_name(InputKind kind);

} // namespace fleche::key
