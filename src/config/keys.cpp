#include "config/keys.hpp"

#include "key/tool.hpp"
#include "remote/remote_url.hpp"
#include "util/error.hpp"
#include "util/json.hpp"
#include "util/units.hpp"

#include <cstdio>
#include <cstdlib>

namespace fleche::config {

namespace {

// clang-format off
const KeyInfo settings_table[] = {
    {"store.dir", Type::path, "FLECHE_DIR",
     "the store directory (default: $XDG_CACHE_HOME/fleche, else ~/.cache/fleche)"},
    {"store.max_size", Type::size, "FLECHE_MAX_SIZE",
     "largest total size of the store; gc evicts the least recently used entries beyond it"},
    {"store.max_age", Type::duration, "FLECHE_MAX_AGE",
     "gc removes entries not used for this long"},
    {"store.compression", Type::integer, nullptr,
     "zstd level for new blobs, 1 (fastest) to 19 (smallest)"},
    {"store.umask", Type::umask, "FLECHE_UMASK",
     "octal umask for what fleche creates in the store, such as \"002\" to share it with a group"},
    {"run.env", Type::texts, nullptr,
     "environment variables (names or globs) in every key, like --env"},
    {"run.cache_failures", Type::boolean, nullptr,
     "store and replay any exit code, like --cache-failures"},
    {"run.tool", Type::tool, nullptr,
     "how the tool is identified: content, mtime, version:CMD ARGS or string:TEXT"},
    {"run.trace", Type::boolean, nullptr,
     "trace CMD: what it reads is in the key, what it writes beneath cwd an output, like --trace"},
    {"run.trace_ignore", Type::texts, nullptr,
     "globs of absolute paths that a trace leaves out (** crosses directories)"},
    {"run.base_dir", Type::path, nullptr,
     "absolute paths beneath it are keyed relative to the working directory, like --base-dir"},
    {"run.env_all", Type::boolean, nullptr,
     "every environment variable but the volatile ones in the key, like --env-all"},
    {"run.ttl", Type::duration, nullptr, "default for --ttl"},
    {"run.stale", Type::duration, nullptr, "default for --stale"},
    {"run.disable", Type::boolean, "FLECHE_DISABLE",
     "run commands directly: no lookup, no store", false},
    {"run.refresh", Type::boolean, "FLECHE_REFRESH",
     "run commands and replace their stored results, like --refresh", false},
    {"run.readonly", Type::boolean, "FLECHE_READONLY",
     "replay hits only; never create or write the store", false},
    {"run.tags", Type::text, "FLECHE_TAGS", "tags for stored entries, like --tag", false},
    {"remote.url", Type::url, "FLECHE_REMOTE",
     "a shared cache: http(s)://HOST/PATH (Bazel HTTP cache) or redis(s)://HOST[:PORT][/DB]"},
    {"remote.read_only", Type::boolean, "FLECHE_REMOTE_READONLY",
     "fetch from the remote cache, never upload to it (FLECHE_READONLY implies it)"},
    {"remote.token_env", Type::text, nullptr,
     "the variable that holds a bearer token for the remote cache"},
    {"remote.user", Type::text, "FLECHE_REMOTE_USER",
     "the user for basic auth (or Redis AUTH), instead of the URL's"},
    {"remote.password_env", Type::text, nullptr,
     "the variable that holds the password for basic auth (or Redis AUTH)"},
    {"remote.headers", Type::texts, nullptr,
     "extra HTTP headers, \"Name: value\"; a value \"env:VAR\" is read from VAR"},
    {"remote.tls_ca", Type::path, nullptr,
     "CA certificates for https:// and rediss://: a hashed directory or a file"},
    {"remote.tls_cert", Type::path, nullptr, "client certificate (PEM) for mutual TLS"},
    {"remote.tls_key", Type::path, nullptr, "client key (PEM) for mutual TLS"},
    {"remote.connect_timeout", Type::duration, nullptr,
     "how long one connection attempt may take"},
    {"remote.timeout", Type::duration, nullptr,
     "how long a request may go without moving a byte"},
    {"remote.upload_timeout", Type::duration, nullptr,
     "how long uploading one result may take in all"},
    {"remote.cooldown", Type::duration, nullptr,
     "after the remote failed, every fleche skips it this long"},
    {"remote.signing_key_env", Type::text, nullptr,
     "the variable that holds the key that signs and checks remote entries (HMAC-SHA256)"},
    {"remote.signing_key_file", Type::path, nullptr,
     "a file (mode 600) holding that key, when the variable is unset"},
    {"remote.prefix", Type::text, nullptr, "the prefix of Redis keys"},
};

const KeyInfo rule_table[] = {
    {"rule.match", Type::texts, nullptr,
     "tool names (argv[0] without its directory), or globs of them, that the rule applies to"},
    {"rule.name", Type::texts, nullptr, "--name labels, or globs of them, that the rule applies to"},
    {"rule.inputs", Type::paths, nullptr, "inputs added to the command line's, like --input"},
    {"rule.outputs", Type::paths, nullptr, "outputs added to the command line's, like --output"},
    {"rule.env", Type::texts, nullptr, "variables added to the key, like --env"},
    {"rule.salt", Type::text, nullptr, "the salt when --salt is not given"},
    {"rule.tool", Type::tool, nullptr, "how the tool is identified, instead of run.tool"},
    {"rule.ignore_args", Type::texts, nullptr,
     "globs: matching arguments leave the key (the command still gets them)"},
    {"rule.require_env", Type::texts, nullptr,
     "variables that must be set; when one is not, the command runs uncached"},
    {"rule.key_cwd", Type::boolean, nullptr,
     "put the working directory in the key, like --key-cwd (for gcc -g: DW_AT_comp_dir)"},
    {"rule.trace", Type::boolean, nullptr, "trace the command, or not, instead of run.trace"},
    {"rule.trace_ignore", Type::texts, nullptr, "globs added to run.trace_ignore"},
    {"rule.base_dir", Type::path, nullptr, "the base directory instead of run.base_dir"},
    {"rule.env_all", Type::boolean, nullptr,
     "key on the whole environment, or not, instead of run.env_all"},
};
// clang-format on

std::string quoted(const std::string &text) {
    // TOML basic strings escape like JSON.
    return json_quote(text);
}

} // namespace

std::span<const KeyInfo> setting_keys() {
    return settings_table;
}
std::span<const KeyInfo> rule_keys() {
    return rule_table;
}

const KeyInfo *find_key(std::span<const KeyInfo> keys, std::string_view name) {
    for (const auto &key : keys)
        if (key.name == name)
            return &key;
    return nullptr;
}

std::string allowed_values(Type type) {
    switch (type) {
    case Type::boolean:
        return "true or false";
    case Type::integer:
        return "an integer from 1 to 19";
    case Type::text:
        return "a string";
    case Type::texts:
        return "an array of strings, such as [\"A\", \"B_*\"], or one string";
    case Type::paths:
        return "an array of paths or globs, such as [\"data/\", \"src/*.c\"], or one";
    case Type::path:
        return "a path (a string)";
    case Type::size:
        return "a size such as \"500M\" or \"20G\", or a number of bytes";
    case Type::duration:
        return "a duration such as \"90s\", \"12h\" or \"7d\", or a number of seconds";
    case Type::tool:
        return "\"content\", \"mtime\", \"version:CMD ARGS\" or \"string:TEXT\"";
    case Type::umask:
        return "an octal umask as a string, such as \"002\" or \"0027\"";
    case Type::url:
        return "a URL, such as \"https://cache.example.com/fleche\" or \"redis://host:6379/0\"";
    }
    return "";
}

bool parse_switch(const std::string &text, const std::string &where) {
    if (text == "1" || text == "true" || text == "yes" || text == "on")
        return true;
    if (text == "0" || text == "false" || text == "no" || text == "off")
        return false;
    throw Error(where + " is '" + text + "'; allowed: 1 or 0 (also true/false, yes/no, on/off)");
}

Value parse_text(const KeyInfo &key, const std::string &text, const std::string &where) {
    switch (key.type) {
    case Type::boolean:
        return parse_switch(text, where);
    case Type::size:
        return static_cast<int64_t>(parse_size(text, where));
    case Type::duration:
        return parse_duration(text, where);
    case Type::tool:
        key::parse_tool_identity(text, where); // validates
        return text;
    case Type::text:
    case Type::path:
        return text;
    case Type::url:
        if (text != "off")
            remote::parse_remote_url(text); // validates, never printing the password
        return text;
    case Type::umask: {
        bool octal = !text.empty() && text.size() <= 4 &&
                     text.find_first_not_of("01234567") == std::string::npos;
        int64_t value = octal ? std::strtol(text.c_str(), nullptr, 8) : -1;
        if (value < 0 || value > 0777)
            throw Error(where + " is '" + text + "'; allowed: " + allowed_values(key.type));
        return value;
    }
    case Type::integer: {
        char *end = nullptr;
        long value = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || *end || value < 1 || value > 19)
            throw Error(where + " is '" + text + "'; allowed: " + allowed_values(key.type));
        return int64_t(value);
    }
    case Type::texts:
    case Type::paths:
        break;
    }
    throw Error(where + " takes " + allowed_values(key.type));
}

std::string format_value(const KeyInfo &key, const Setting &setting) {
    const Value &value = setting.value;
    if (std::holds_alternative<std::monostate>(value))
        return "";
    if (auto *b = std::get_if<bool>(&value))
        return *b ? "true" : "false";
    if (auto *list = std::get_if<std::vector<std::string>>(&value)) {
        std::string out = "[";
        for (size_t i = 0; i < list->size(); ++i)
            out += (i ? ", " : "") + quoted((*list)[i]);
        return out + "]";
    }
    if (key.type == Type::integer)
        return std::to_string(std::get<int64_t>(value));
    if (key.type == Type::url) // never the userinfo's password
        return quoted(remote::redact_remote_url(setting.text));
    return quoted(setting.text); // sizes and durations as written
}

std::string json_value(const KeyInfo &key, const Setting &setting) {
    const Value &value = setting.value;
    if (std::holds_alternative<std::monostate>(value))
        return "null";
    if (auto *list = std::get_if<std::vector<std::string>>(&value))
        return json_strings(*list);
    if (key.type == Type::url)
        return json_quote(remote::redact_remote_url(setting.text));
    if (auto *text = std::get_if<std::string>(&value))
        return json_quote(*text);
    if (key.type == Type::duration) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.9g", double(std::get<int64_t>(value)) / 1e9);
        return buffer;
    }
    if (key.type == Type::size)
        return std::to_string(std::get<int64_t>(value));
    return format_value(key, setting);
}

} // namespace fleche::config
