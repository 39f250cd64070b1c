// fleche query: find stored entries by their metadata; print them as a
// table, JSON or bare keys, or remove them.
#include "cli/commands.hpp"
#include "cli/entry_view.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "engine/labels.hpp"
#include "key/input_digest.hpp"
#include "store/counters.hpp"
#include "store/entry_query.hpp"
#include "store/key_prefix.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <cstdlib>
#include <memory>
#include <sys/ioctl.h>

namespace fleche::cli {

using engine::open_configured_store;
using engine::parse_tag_filter;

namespace {

struct QueryOptions {
    std::optional<std::string> name, command, arg, input, since, before, sort;
    std::vector<std::string> tags;
    std::optional<int> exit_code;
    std::optional<int64_t> limit;
    bool failed = false, json = false, keys = false, rm = false;
};

store::EntryOrder parse_order(const std::string &word) {
    if (word == "time")
        return store::EntryOrder::newest;
    if (word == "duration")
        return store::EntryOrder::duration;
    if (word == "size")
        return store::EntryOrder::size;
    if (word == "hits")
        return store::EntryOrder::hits;
    throw Error("--sort: '" + word + "' is not an order; use time, duration, size or hits");
}

store::EntryFilter make_filter(const QueryOptions &o) {
    store::EntryFilter f;
    int64_t now = now_ns();
    f.name_glob = o.name;
    f.command_glob = o.command;
    f.argument = o.arg;
    if (o.input)
        f.input = key::normalize_path(*o.input);
    for (const auto &tag : o.tags)
        f.tags.push_back(parse_tag_filter(tag));
    f.exit_code = o.exit_code;
    f.failed = o.failed;
    if (o.since)
        f.since_ns = parse_time_point(*o.since, "--since", now);
    if (o.before)
        f.before_ns = parse_time_point(*o.before, "--before", now);
    if (o.sort)
        f.order = parse_order(*o.sort);
    if (o.limit && *o.limit < 0)
        throw Error("--limit: give a number of entries, 0 or more");
    f.limit = o.limit;
    return f;
}

// Columns for the command line; 0 means do not truncate (not a terminal).
size_t terminal_width() {
    if (const char *columns = std::getenv("COLUMNS"))
        if (int n = std::atoi(columns); n > 0)
            return size_t(n);
    winsize size{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col)
        return size.ws_col;
    return 0;
}

void print_table(store::Index &index, const std::vector<store::Entry> &entries) {
    int64_t now = now_ns();
    std::vector<std::vector<std::string>> rows = {{"KEY", "AGE", "WALL", "EXIT", "SIZE", "HITS"}};
    for (const auto &e : entries)
        rows.push_back({store::short_key(index, e.key), format_duration(now - e.stopped_ns),
                        format_duration(e.wall_ns()), std::to_string(e.exit_code),
                        format_size(e.log_size + e.outputs_size), std::to_string(e.hits)});
    std::vector<size_t> widths(rows[0].size());
    for (const auto &row : rows)
        for (size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    size_t width = terminal_width();
    std::string out;
    for (size_t r = 0; r < rows.size(); ++r) {
        std::string line;
        for (size_t i = 0; i < rows[r].size(); ++i) {
            std::string cell = rows[r][i];
            // Numbers right-aligned, the key left-aligned.
            std::string pad(widths[i] - cell.size(), ' ');
            line += i == 0 ? cell + pad : pad + cell;
            line += "  ";
        }
        line += r == 0 ? "COMMAND" : command_line(entries[r - 1]);
        if (width && line.size() > width)
            line = line.substr(0, width > 3 ? width - 3 : 0) + "...";
        out += line + "\n";
    }
    write_all(STDOUT_FILENO, out);
}

void print_json(store::Index &index, const std::vector<store::Entry> &entries) {
    JsonWriter json;
    json.begin_array();
    for (const auto &e : entries) {
        json.begin_object();
        write_entry_fields(json, index, e);
        json.end_object();
    }
    json.end_array();
    write_all(STDOUT_FILENO, json.str());
}

int query(const QueryOptions &options) {
    store::EntryFilter filter = make_filter(options); // bad input: nothing opened yet
    auto opened = open_configured_store();
    store::Store &store = *opened;
    auto keys = store::query_keys(store.index(), filter);
    if (options.rm) {
        for (const auto &key : keys)
            store::remove_entry(store, key);
        say("removed " + std::to_string(keys.size()) + " entr" + (keys.size() == 1 ? "y" : "ies") +
            "; their unused blobs go at the next gc");
        return 0;
    }
    if (options.keys) {
        std::string out;
        for (const auto &key : keys)
            out += key + "\n";
        write_all(STDOUT_FILENO, out);
        return 0;
    }
    std::vector<store::Entry> entries;
    for (const auto &key : keys)
        if (auto entry = store.index().find(key)) {
            entry->tags = store::read_tags(store.index(), key);
            entries.push_back(std::move(*entry));
        }
    if (options.json)
        print_json(store.index(), entries);
    else
        print_table(store.index(), entries);
    return 0;
}

} // namespace

Subcommand query_command(const CommandWords &) {
    auto o = std::make_shared<QueryOptions>();
    return {.name = "query",
            .description = "List stored entries that match all the given filters",
            .options =
                {
                    {.names = "--name",
                     .help = "Entries whose name matches this glob",
                     .target = &o->name,
                     .type_name = "GLOB"},
                    {.names = "--cmd",
                     .help = "Entries whose command line matches this glob",
                     .target = &o->command,
                     .type_name = "GLOB"},
                    {.names = "--arg",
                     .help = "Entries with this exact argument",
                     .target = &o->arg,
                     .type_name = "STRING"},
                    {.names = "--tag",
                     .help = "Entries with this tag (NAME=VALUE) or any value of it (NAME)",
                     .target = &o->tags,
                     .type_name = "NAME[=VALUE]",
                     .one_per_flag = true},
                    {.names = "--exit",
                     .help = "Entries whose command exited with N",
                     .target = &o->exit_code,
                     .type_name = "N"},
                    {.names = "--since",
                     .help = "Entries started at or after this (2h ago, or a date)",
                     .target = &o->since,
                     .type_name = "DURATION|DATE"},
                    {.names = "--before",
                     .help = "Entries started before this (2h ago, or a date)",
                     .target = &o->before,
                     .type_name = "DURATION|DATE"},
                    {.names = "--input",
                     .help = "Entries that declared this input path, or whose traced run read it",
                     .target = &o->input,
                     .type_name = "PATH"},
                    {.names = "--failed",
                     .help = "Entries whose command exited with a non-zero code",
                     .target = &o->failed},
                    {.names = "--sort",
                     .help = "Order: time (newest first, the default), duration, size or hits",
                     .target = &o->sort,
                     .type_name = "ORDER"},
                    {.names = "--limit",
                     .help = "At most N entries",
                     .target = &o->limit,
                     .type_name = "N"},
                    {.names = "--json",
                     .help = "Print one JSON array of entries",
                     .target = &o->json,
                     .excludes = {"--keys", "--rm"}},
                    {.names = "--keys",
                     .help = "Print the full keys only, one per line",
                     .target = &o->keys,
                     .excludes = {"--rm"}},
                    {.names = "--rm", .help = "Remove the matching entries", .target = &o->rm},
                },
            .action = [o] { return query(*o); }};
}

} // namespace fleche::cli
