// fleche stats: what the cache has done (hits, misses, time saved) and what
// it holds (entries, store size).
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "store/counters.hpp"
#include "store/references.hpp"
#include "store/stats_query.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <cstdio>
#include <map>
#include <memory>

namespace fleche::cli {

using engine::open_configured_store;

namespace {

using store::BlobSizes;
using store::Holdings;

struct StatsOptions {
    std::string by;
    bool json = false, zero = false;
};

std::string hit_rate(const store::Counters &c) {
    if (c.hits + c.misses == 0)
        return "-";
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%.1f%%",
                  100.0 * double(c.hits) / double(c.hits + c.misses));
    return buffer;
}

void write_counters_json(JsonWriter &json, const store::Counters &c, const Holdings &h) {
    json.key("hits").value(c.hits).key("misses").value(c.misses).key("stored").value(c.stored);
    json.key("errors").value(c.errors);
    json.key("hit_rate");
    c.hits + c.misses ? json.value(double(c.hits) / double(c.hits + c.misses)) : json.null();
    json.key("time_saved_ns").value(c.saved_ns);
    json.key("entries").value(h.entries).key("size").value(h.size);
}

void print_total(const store::Counters &c, const Holdings &h, const BlobSizes &b) {
    auto line = [](const char *label, const std::string &value) {
        std::printf("%-12s %s\n", label, value.c_str());
    };
    line("hits", std::to_string(c.hits));
    line("misses", std::to_string(c.misses));
    line("stored", std::to_string(c.stored));
    line("hit rate", hit_rate(c));
    line("errors", std::to_string(c.errors));
    line("entries", std::to_string(h.entries));
    std::string ratio = "-";
    if (b.disk) {
        char buffer[16];
        std::snprintf(buffer, sizeof buffer, "%.2fx", double(b.logical) / double(b.disk));
        ratio = buffer;
    }
    line("store size", format_size(b.disk) + " on disk (" + format_size(b.logical) + " logical, " +
                           ratio + " compression)");
    line("time saved", format_duration(c.saved_ns));
}

// Only once a remote cache was met: a store without one prints what it did.
void print_remote(const store::RemoteCounters &r) {
    if (!r.any())
        return;
    std::printf("%-12s %lld hits, %lld misses, %lld errors, %lld timeouts, %lld uploads; "
                "%s down, %s up\n",
                "remote", (long long)r.hits, (long long)r.misses, (long long)r.errors,
                (long long)r.timeouts, (long long)r.uploads,
                format_size(uint64_t(r.bytes_down)).c_str(),
                format_size(uint64_t(r.bytes_up)).c_str());
}

void write_remote_json(JsonWriter &json, const store::RemoteCounters &r) {
    json.key("remote").begin_object();
    json.key("hits").value(r.hits).key("misses").value(r.misses).key("errors").value(r.errors);
    json.key("timeouts").value(r.timeouts).key("uploads").value(r.uploads);
    json.key("bytes_down").value(r.bytes_down).key("bytes_up").value(r.bytes_up);
    json.end_object();
}

void print_by_name(const std::vector<store::Counters> &rows,
                   std::map<std::string, Holdings> &held) {
    std::printf("%-20s %8s %8s %8s %8s %8s %8s %8s %10s\n", "NAME", "HITS", "MISSES", "STORED",
                "ERRORS", "HIT%", "ENTRIES", "SIZE", "SAVED");
    for (const auto &c : rows) {
        Holdings h = held[c.name];
        std::printf("%-20s %8lld %8lld %8lld %8lld %8s %8lld %8s %10s\n", printable(c.name).c_str(),
                    (long long)c.hits, (long long)c.misses, (long long)c.stored,
                    (long long)c.errors, hit_rate(c).c_str(), (long long)h.entries,
                    format_size(h.size).c_str(), format_duration(c.saved_ns).c_str());
    }
}

// Per name: the counters of every name that has counters or entries.
std::vector<store::Counters> by_name_rows(store::Index &index,
                                          const std::map<std::string, Holdings> &held) {
    std::map<std::string, store::Counters> rows;
    for (const auto &c : store::read_counters(index, true))
        rows[c.name] = c;
    for (const auto &[name, h] : held)
        rows[name].name = name;
    std::vector<store::Counters> out;
    for (auto &[name, c] : rows)
        out.push_back(c);
    return out;
}

int stats(const StatsOptions &options) {
    if (!options.by.empty() && options.by != "name")
        throw Error("--by: '" + options.by + "' is not a grouping; use --by name");
    auto opened = open_configured_store();
    store::Store &store = *opened;
    store::Index &index = store.index();
    if (options.zero) {
        store::reset_counters(index);
        say("counters reset (entries are kept)");
        return 0;
    }
    bool by_name = options.by == "name";
    auto files = store::list_blob_files(store.dir());
    auto held = store::read_holdings(index, by_name, files);
    auto rows = by_name ? by_name_rows(index, held) : store::read_counters(index, false);
    BlobSizes blobs = by_name ? BlobSizes{} : store::blob_sizes(files);
    if (!by_name)
        held[""].size = blobs.disk;
    if (options.json) {
        JsonWriter json;
        json.begin_object();
        if (by_name) {
            json.key("names").begin_array();
            for (const auto &c : rows) {
                json.begin_object().key("name").value(c.name);
                write_counters_json(json, c, held[c.name]);
                json.end_object();
            }
            json.end_array();
        } else {
            write_counters_json(json, rows.at(0), held[""]);
            json.key("logical_size").value(blobs.logical).key("disk_size").value(blobs.disk);
            write_remote_json(json, store::read_remote_counters(index));
        }
        json.end_object();
        write_all(STDOUT_FILENO, json.str());
    } else if (by_name) {
        print_by_name(rows, held);
    } else {
        print_total(rows.at(0), held[""], blobs);
        print_remote(store::read_remote_counters(index));
    }
    return 0;
}

} // namespace

Subcommand stats_command(const CommandWords &) {
    auto o = std::make_shared<StatsOptions>();
    return {
        .name = "stats",
        .description = "Print hits, misses, time saved and the store's size",
        .options = {{.names = "--by",
                     .help = "One line per entry name",
                     .target = &o->by,
                     .type_name = "name"},
                    {.names = "--json", .help = "Print one JSON object", .target = &o->json},
                    {.names = "--zero",
                     .help =
                         "Reset the counters (hits, misses, stored, errors, time saved, remote)",
                     .target = &o->zero}},
        .action = [o] { return stats(*o); }};
}

} // namespace fleche::cli
