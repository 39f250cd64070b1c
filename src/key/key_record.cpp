#include "key/key_record.hpp"

#include "util/sha256.hpp"

#include <algorithm>

namespace fleche::key {

void append_record_str(std::string &out, std::string_view value) {
    out += std::to_string(value.size());
    out += ':';
    out += value;
}

std::string record_str(std::string_view value) {
    std::string out;
    append_record_str(out, value);
    return out;
}

bool read_record_str(std::string_view text, size_t &pos, std::string &out) {
    size_t colon = text.find(':', pos);
    // 19 digits: any length that fits in size_t, no overflow in the parse.
    if (colon == std::string_view::npos || colon == pos || colon - pos > 19)
        return false;
    size_t length = 0;
    for (size_t i = pos; i < colon; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        length = length * 10 + static_cast<size_t>(text[i] - '0');
    }
    if (length > text.size() - colon - 1)
        return false;
    out = text.substr(colon + 1, length);
    pos = colon + 1 + length;
    return true;
}

std::string record_header() {
    return "fleche-key " + std::to_string(key_format_version) + "\n";
}

namespace {

void append_line(std::string &out, std::string_view field, std::string_view value) {
    out += field;
    out += ' ';
    append_record_str(out, value);
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

std::string record_line(std::string_view field, std::string_view value) {
    std::string out;
    append_line(out, field, value);
    return out;
}

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
    std::string out = record_header();
    for (const auto &arg : argv)
        append_line(out, "argv", arg);
    for (size_t i = 0; i < tool.size(); ++i)
        append_hex_line(out, i == 0 ? "tool" : "interpreter", tool[i]);
    if (cwd)
        append_line(out, "cwd", *cwd);
    for (const auto &e : env) {
        out += "env ";
        append_record_str(out, e.name);
        out += ' ';
        if (e.value)
            append_record_str(out, *e.value);
        else
            out += "unset";
        out += '\n';
    }
    for (const auto &input : inputs) {
        out += "input ";
        append_record_str(out, input.path);
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
    if (trace)
        append_line(out, "trace", *trace);
    return out;
}

std::string KeyRecord::key() const {
    return sha256_hex(encode());
}

} // namespace fleche::key
