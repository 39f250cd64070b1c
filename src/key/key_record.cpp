#include "key/key_record.hpp"

#include "util/sha256.hpp"

#include <algorithm>

namespace fleche::key {

namespace {

void append_str(std::string &out, const std::string &value) {
    out += std::to_string(value.size());
    out += ':';
    out += value;
}

void append_line(std::string &out, const char *field, const std::string &value) {
    out += field;
    out += ' ';
    append_str(out, value);
    out += '\n';
}

void append_hex_line(std::string &out, const char *field, const std::string &hex) {
    out += field;
    out += ' ';
    out += hex;
    out += '\n';
}

template <class T, class Less, class Same>
void sort_unique(std::vector<T> &items, Less less, Same same) {
    std::stable_sort(items.begin(), items.end(), less);
    items.erase(std::unique(items.begin(), items.end(), same), items.end());
}

} // namespace

std::string input_kind_name(InputKind kind) {
    switch (kind) {
    case InputKind::file:
        return "file";
    case InputKind::executable:
        return "exec";
    case InputKind::directory:
        return "dir";
    case InputKind::symlink:
        return "link";
    case InputKind::missing:
        return "missing";
    }
    return "missing";
}

void KeyRecord::canonicalize() {
    sort_unique(
        env, [](auto &a, auto &b) { return a.name < b.name; },
        [](auto &a, auto &b) { return a.name == b.name; });
    sort_unique(
        inputs, [](auto &a, auto &b) { return a.path < b.path; },
        [](auto &a, auto &b) { return a.path == b.path; });
    sort_unique(outputs, std::less<>{}, std::equal_to<>{});
}

std::string KeyRecord::encode() const {
    std::string out = "fleche-key " + std::to_string(key_format_version) + "\n";
    for (const auto &arg : argv)
        append_line(out, "argv", arg);
    for (size_t i = 0; i < tool.size(); ++i)
        append_hex_line(out, i == 0 ? "tool" : "interpreter", tool[i]);
    if (cwd)
        append_line(out, "cwd", *cwd);
    for (const auto &e : env) {
        out += "env ";
        append_str(out, e.name);
        out += ' ';
        if (e.value)
            append_str(out, *e.value);
        else
            out += "unset";
        out += '\n';
    }
    for (const auto &input : inputs) {
        out += "input ";
        append_str(out, input.path);
        out += ' ';
        out += input_kind_name(input.kind);
        if (input.kind != InputKind::missing) {
            out += ' ';
            out += input.digest;
        }
        out += '\n';
    }
    if (stdin_digest)
        append_hex_line(out, "stdin", *stdin_digest);
    if (salt)
        append_line(out, "salt", *salt);
    for (const auto &output : outputs)
        append_line(out, "output", output);
    return out;
}

std::string KeyRecord::key() const {
    return sha256_hex(encode());
}

} // namespace fleche::key
