// show's text for people: one entry in full. Everything stored came from
// someone's command line, so text goes through printable() or quoted():
// a control character never reaches the terminal raw.
#include "cli/entry_view.hpp"
#include "key/key_record.hpp"
#include "util/clock.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <algorithm>
#include <cstdio>

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
}

} // namespace

void print_entry(const store::Entry &e) {
    int64_t now = now_ns();
    line("key", e.key);
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
    std::printf("outputs:%s\n", e.outputs.empty() ? " none" : "");
    for (const auto &o : e.outputs)
        std::printf("  %-4s %s %8s  %s%s\n", output_type_name(o.type).c_str(),
                    o.executable ? "x" : "-",
                    o.type == store::OutputType::file ? format_size(o.size).c_str() : "",
                    printable(o.path).c_str(),
                    o.type == store::OutputType::symlink ? (" -> " + printable(o.target)).c_str()
                    : o.type == store::OutputType::file  ? ("  " + o.blob).c_str()
                                                         : "");
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

} // namespace fleche::cli
