// show's text for people: one entry in full, a traced entry's inputs by kind
// and which of its outputs were discovered rather than declared (and the
// JSON of those). Everything stored came from someone's command line or
// what it opened, so text goes through printable() or quoted(): a control
// character never reaches the terminal raw.
#include "cli/entry_view.hpp"
#include "key/key_record.hpp"
#include "store/entry_file.hpp"
#include "util/clock.hpp"
#include "util/path_spec.hpp"
#include "util/sha256.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fnmatch.h>
#include <optional>
#include <vector>

namespace fleche::cli {

namespace {

void line(const std::string &label, const std::string &value) {
    std::printf("%-14s %s\n", label.c_str(), value.c_str());
}

void print_record(const std::string &text) {
    auto record = key::KeyRecord::parse(text);
    std::printf("key record (format %d):\n", key::key_format_version);
    if (!record) {
        // Another format: shown as stored, line by line.
        for (size_t start = 0; start < text.size();) {
            size_t end = std::min(text.find('\n', start), text.size());
            std::printf("%s\n",
                        printable(std::string_view(text).substr(start, end - start)).c_str());
            start = end + 1;
        }
        return;
    }
    auto item = [](const std::string &label, const std::string &value) {
        std::printf("  %-24s %s\n", label.c_str(), value.c_str());
    };
    for (size_t i = 0; i < record->argv.size(); ++i)
        item("argv[" + std::to_string(i) + "]", fleche::quoted(record->argv[i]));
    for (size_t i = 0; i < record->tool.size(); ++i)
        item(i == 0 ? "tool" : "interpreter", printable(record->tool[i]));
    if (record->cwd)
        item("cwd", fleche::quoted(*record->cwd));
    for (const auto &env : record->env)
        item("env " + printable(env.name), env.value ? fleche::quoted(*env.value) : "unset");
    for (const auto &input : record->inputs)
        item("input " + printable(input.path),
             key::input_kind_name(input.kind) + " " + input.digest);
    if (record->stdin_digest)
        item("stdin", *record->stdin_digest);
    if (record->salt)
        item("salt", fleche::quoted(*record->salt));
    for (const auto &output : record->outputs)
        item("output", printable(output));
    if (record->trace)
        item("trace", fleche::quoted(*record->trace));
}

// The declared outputs of a traced entry, or nullopt for an untraced one
// (whose outputs are all declared).
std::optional<std::vector<std::string>> traced_declared_outputs(const store::Entry &e) {
    if (e.path_sets.empty())
        return std::nullopt;
    auto record = key::KeyRecord::parse(e.key_record);
    return record ? record->outputs : std::vector<std::string>{};
}

} // namespace

void print_entry(const store::Entry &e, bool all_inputs) {
    int64_t now = now_ns();
    line("key", e.key);
    if (!e.path_sets.empty())
        line("first key", sha256_hex(e.key_record) + " (traced: fleche show it for its path sets)");
    line("name", printable(e.name));
    line("command", command_line(e));
    line("exit code", std::to_string(e.exit_code));
    line("started",
         local_time(e.started_ns) + " (" + format_duration(now - e.started_ns) + " ago)");
    line("wall time", format_duration(e.wall_ns()));
    line("cpu time",
         format_duration(e.user_ns) + " user, " + format_duration(e.system_ns) + " system");
    line("max rss", format_size(uint64_t(e.max_rss_kb) * 1024));
    line("host", printable(e.host));
    line("user", printable(e.user));
    line("cwd", printable(e.cwd));
    line("fleche", e.fleche_version);
    line("size", format_size(e.log_size) + " log, " + format_size(e.outputs_size) + " outputs");
    line("hits",
         std::to_string(e.hits) + " (last use " + format_duration(now - e.last_use_ns) + " ago)");
    std::string tags;
    for (const auto &tag : e.tags)
        tags += (tags.empty() ? "" : " ") + printable(tag.name + "=" + tag.value);
    line("tags", tags.empty() ? "-" : tags);
    print_record(e.key_record);
    print_traced_inputs(e.path_sets, "fleche show --inputs lists them all", all_inputs);
    auto declared = traced_declared_outputs(e);
    std::printf("outputs:%s\n", e.outputs.empty() ? " none" : "");
    for (const auto &o : e.outputs)
        std::printf("  %-4s %s %8s  %s%s%s\n", output_type_name(o.type).c_str(),
                    o.executable ? "x" : "-",
                    o.type == store::OutputType::file ? format_size(o.size).c_str() : "",
                    printable(o.path).c_str(),
                    o.type == store::OutputType::symlink ? (" -> " + printable(o.target)).c_str()
                    : o.type == store::OutputType::file  ? ("  " + o.blob).c_str()
                                                         : "",
                    declared && discovered_output(*declared, o.path) ? "  discovered" : "");
}

std::string output_type_name(store::OutputType type) {
    switch (type) {
    case store::OutputType::file:
        return "file";
    case store::OutputType::directory:
        return "dir";
    case store::OutputType::symlink:
        return "link";
    }
    return "file";
}

namespace {

struct KindText {
    store::PathState::Kind kind;
    const char *word;              // at the start of each line
    const char *singular, *plural; // in the counts
};

// In the order show lists them: what was read first, then what was not there.
constexpr std::array<KindText, 5> path_kinds = {{
    {store::PathState::Kind::content, "file", "file", "files"},
    {store::PathState::Kind::missing, "missing", "missing", "missing"},
    {store::PathState::Kind::listing, "listed", "listed directory", "listed directories"},
    {store::PathState::Kind::directory, "dir", "directory", "directories"},
    // An output names the checkout: the entry applies in this directory only.
    {store::PathState::Kind::cwd, "cwd", "working directory", "working directories"},
}};

// Enough of a digest to tell two apart by eye; --json has them whole.
constexpr size_t shown_digest_length = 12;
// Paths longer than this push their digest further right instead of every
// digest.
constexpr size_t max_path_column = 48;

std::string count_of(size_t n, const KindText &text) {
    return std::to_string(n) + " " + (n == 1 ? text.singular : text.plural);
}

// A glob output is matched by fnmatch(3); one with ** lets * cross
// directories, close enough to util/glob.hpp for telling declared from
// discovered.
bool matches_declared(const std::string &declared, const std::string &path) {
    std::string_view pattern = spec_pattern(declared);
    if (pattern.size() == declared.size())
        return path == declared;
    std::string glob(pattern);
    int flags = glob.find("**") == std::string::npos ? FNM_PATHNAME : 0;
    return ::fnmatch(glob.c_str(), path.c_str(), flags) == 0;
}

} // namespace

void print_traced_inputs(const std::vector<store::PathSet> &sets, const std::string &more_hint,
                         bool all) {
    for (const auto &set : sets) {
        std::array<size_t, path_kinds.size()> counts{};
        size_t width = 0;
        for (const auto &state : set.paths)
            for (size_t k = 0; k < path_kinds.size(); ++k)
                if (state.kind == path_kinds[k].kind) {
                    ++counts[k];
                    width =
                        std::max(width, std::min(printable(state.path).size(), max_path_column));
                }
        std::string summary;
        for (size_t k = 0; k < path_kinds.size(); ++k)
            if (counts[k])
                summary += (summary.empty() ? "" : ", ") + count_of(counts[k], path_kinds[k]);
        std::printf("traced inputs: %zu path%s%s%s\n", set.paths.size(),
                    set.paths.size() == 1 ? "" : "s", summary.empty() ? "" : ": ", summary.c_str());
        // The project's own paths (relative) before the system's (absolute),
        // which a compiler reads by the hundred.
        std::vector<const store::PathState *> ordered;
        for (bool absolute : {false, true})
            for (const auto &state : set.paths)
                if (state.path.starts_with('/') == absolute)
                    ordered.push_back(&state);
        for (size_t k = 0; k < path_kinds.size(); ++k) {
            size_t shown = 0;
            for (const store::PathState *at : ordered) {
                const store::PathState &state = *at;
                if (state.kind != path_kinds[k].kind)
                    continue;
                if (!all && shown == shown_paths_per_kind)
                    break;
                ++shown;
                std::string digest = state.digest.substr(0, shown_digest_length);
                std::printf("  %-7s %-*s%s%s\n", path_kinds[k].word,
                            digest.empty() ? 0 : int(width), printable(state.path).c_str(),
                            digest.empty() ? "" : "  ", digest.c_str());
            }
            if (shown < counts[k])
                std::printf("  ... %zu more %s (%s)\n", counts[k] - shown,
                            counts[k] - shown == 1 ? path_kinds[k].singular : path_kinds[k].plural,
                            more_hint.c_str());
        }
    }
}

void write_path_sets_json(JsonWriter &json, const std::vector<store::PathSet> &sets) {
    json.key("path_sets").begin_array();
    for (const auto &set : sets) {
        json.begin_object().key("paths").begin_array();
        for (const auto &state : set.paths) {
            json.begin_object().key("path").value(state.path);
            json.key("state").value(store::path_state_word(state.kind)).key("digest");
            state.digest.empty() ? json.null() : json.value(state.digest);
            json.end_object();
        }
        json.end_array().end_object();
    }
    json.end_array();
}

bool discovered_output(const std::vector<std::string> &declared, const std::string &path) {
    // An output beneath a declared directory (or a match of a glob) is declared.
    for (std::string at = path;;) {
        for (const auto &spec : declared)
            if (matches_declared(spec, at))
                return false;
        size_t slash = at.rfind('/');
        if (slash == std::string::npos)
            return true;
        at.resize(slash);
    }
}

} // namespace fleche::cli
