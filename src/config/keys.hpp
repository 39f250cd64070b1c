// Every configuration key in one table: its name, type, the environment
// variable that sets it and what it means. One parse switch turns text (from a
// file or a variable) into a value of the key's type; one print switch turns a
// value back into text. `fleche config`, the error messages and the man page
// all follow this table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fleche::config {

enum class Type {
    boolean,  // true/false; from a variable: 1/0, true/false, yes/no, on/off
    integer,  // compression level, 1..19
    text,     // any string
    texts,    // array of strings (names or globs); one string is a list of one
    paths,    // array of paths or globs, or one; relative to the file that names them
    path,     // a directory; relative to the file that names it
    size,     // "500M", "20G" or bytes (util/units.hpp), kept in bytes
    duration, // "90s", "7d" or seconds (util/units.hpp), kept in ns
    tool,     // "content" | "mtime" | "version:CMD ARGS" | "string:TEXT"
    umask,    // an octal mask as a string ("002"), kept as its number
    url,      // a remote cache's URL (remote/remote_url.hpp), printed without its password
};

struct KeyInfo {
    std::string_view name; // "store.dir", "rule.inputs"
    Type type;
    const char *env;              // the FLECHE_* variable that sets it, or nullptr
    std::string_view description; // one line, for `fleche config` and errors
    bool in_files = true;         // false: only from its variable
};

// monostate: unset (an optional key with no default).
using Value = std::variant<std::monostate, bool, int64_t, std::string, std::vector<std::string>>;

// A key's effective value: as parsed, as written (what people read back),
// and where it came from: "default", "FILE:LINE", "FLECHE_DIR", "flag --x".
struct Setting {
    Value value;
    std::string text;
    std::string source = "default";
};

// The keys of [store] and [run] (and the variable-only switches), in the
// order `fleche config` prints them.
std::span<const KeyInfo> setting_keys();
// The keys of a [[rule]] table.
std::span<const KeyInfo> rule_keys();
// nullptr when there is no such key.
const KeyInfo *find_key(std::span<const KeyInfo> keys, std::string_view name);

// What a key of this type accepts, for error messages.
std::string allowed_values(Type type);

// The parse switch for a value written as text (a variable, or a TOML
// string). Throws Error naming `where` and what is allowed.
Value parse_text(const KeyInfo &key, const std::string &text, const std::string &where);
// A variable's on/off value; throws Error for anything else.
bool parse_switch(const std::string &text, const std::string &where);

// The print switch: the value as TOML would write it ("10G", true, ["a"]);
// empty when unset.
std::string format_value(const KeyInfo &key, const Setting &setting);
// The value as JSON: sizes in bytes, durations in seconds, null when unset.
std::string json_value(const KeyInfo &key, const Setting &setting);

} // namespace fleche::config
