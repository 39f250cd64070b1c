#include "key/key_diff.hpp"

#include "util/text.hpp"

#include <map>
#include <optional>

namespace fleche::key {

namespace {

using Lines = std::vector<std::string>;

void diff_argv(const KeyRecord &a, const KeyRecord &b, Lines &out) {
    size_t n = std::max(a.argv.size(), b.argv.size());
    for (size_t i = 0; i < n; ++i) {
        std::string where = "argv[" + std::to_string(i) + "]: ";
        if (i >= a.argv.size())
            out.push_back(where + "added " + fleche::quoted(b.argv[i]));
        else if (i >= b.argv.size())
            out.push_back(where + "removed " + fleche::quoted(a.argv[i]));
        else if (a.argv[i] != b.argv[i])
            out.push_back(where + fleche::quoted(a.argv[i]) + " -> " + fleche::quoted(b.argv[i]));
    }
}

void diff_tool(const KeyRecord &a, const KeyRecord &b, const std::string &path, Lines &out) {
    if (a.tool.empty() || b.tool.empty() || a.tool[0] != b.tool[0]) {
        out.push_back("tool " + path + ": executable changed");
        return;
    }
    if (a.tool != b.tool)
        out.push_back("tool " + path + ": interpreter changed");
}

std::string optional_text(const std::optional<std::string> &value) {
    return value ? fleche::quoted(*value) : "unset";
}

void diff_optional(const char *what, const std::optional<std::string> &a,
                   const std::optional<std::string> &b, bool show_values, Lines &out) {
    if (a == b)
        return;
    std::string line = std::string(what) + ": ";
    if (!a)
        line += show_values ? "added " + fleche::quoted(*b) : "now in the key";
    else if (!b)
        line += show_values ? "removed " + fleche::quoted(*a) : "no longer in the key";
    else
        line += show_values ? fleche::quoted(*a) + " -> " + fleche::quoted(*b) : "content changed";
    out.push_back(line);
}

// Calls on_pair(name, old or null, new or null) for the union of two sorted
// lists, in order.
template <class T, class Name, class OnPair>
void merge_by_name(const std::vector<T> &a, const std::vector<T> &b, Name name, OnPair on_pair) {
    std::map<std::string, std::pair<const T *, const T *>> both;
    for (const auto &x : a)
        both[name(x)].first = &x;
    for (const auto &x : b)
        both[name(x)].second = &x;
    for (const auto &[key, pair] : both)
        on_pair(key, pair.first, pair.second);
}

void diff_env(const KeyRecord &a, const KeyRecord &b, Lines &out) {
    merge_by_name(
        a.env, b.env, [](auto &e) { return e.name; },
        [&](const std::string &name, const EnvValue *x, const EnvValue *y) {
            std::string where = "env " + name + ": ";
            if (!x)
                out.push_back(where + "now in the key (" + optional_text(y->value) + ")");
            else if (!y)
                out.push_back(where + "no longer in the key (was " + optional_text(x->value) + ")");
            else if (x->value != y->value)
                out.push_back(where + optional_text(x->value) + " -> " + optional_text(y->value));
        });
}

std::string kind_words(InputKind kind) {
    switch (kind) {
    case InputKind::file:
        return "a file";
    case InputKind::executable:
        return "an executable file";
    case InputKind::directory:
        return "a directory";
    case InputKind::symlink:
        return "a dangling symlink";
    case InputKind::missing:
        return "missing";
    }
    return "missing";
}

std::string input_change(const InputDigest &x, const InputDigest &y) {
    if (x.kind == InputKind::missing)
        return "appeared";
    if (y.kind == InputKind::missing)
        return "vanished";
    if (x.kind == y.kind)
        return "content changed";
    if (x.digest == y.digest)
        return x.kind == InputKind::file ? "became executable" : "is no longer executable";
    return "was " + kind_words(x.kind) + ", now " + kind_words(y.kind);
}

void diff_inputs(const KeyRecord &a, const KeyRecord &b, Lines &out) {
    merge_by_name(
        a.inputs, b.inputs, [](auto &i) { return i.path; },
        [&](const std::string &path, const InputDigest *x, const InputDigest *y) {
            std::string where = "input " + path + ": ";
            if (!x)
                out.push_back(where + "newly declared");
            else if (!y)
                out.push_back(where + "no longer declared");
            else if (!(*x == *y))
                out.push_back(where + input_change(*x, *y));
        });
}

void diff_outputs(const KeyRecord &a, const KeyRecord &b, Lines &out) {
    merge_by_name(
        a.outputs, b.outputs, [](auto &o) { return o; },
        [&](const std::string &path, const std::string *x, const std::string *y) {
            if (!x)
                out.push_back("output " + path + ": newly declared");
            else if (!y)
                out.push_back("output " + path + ": no longer declared");
        });
}

} // namespace

std::vector<std::string> diff_records(const KeyRecord &stored, const KeyRecord &now,
                                      const std::string &tool_path) {
    Lines out;
    diff_argv(stored, now, out);
    diff_tool(stored, now, tool_path, out);
    diff_optional("cwd", stored.cwd, now.cwd, true, out);
    diff_env(stored, now, out);
    diff_inputs(stored, now, out);
    diff_optional("stdin", stored.stdin_digest, now.stdin_digest, false, out);
    diff_optional("salt", stored.salt, now.salt, true, out);
    diff_outputs(stored, now, out);
    return out;
}

} // namespace fleche::key
