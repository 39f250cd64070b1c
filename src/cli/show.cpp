// fleche show KEY: one entry in full (key record, metadata, traced inputs,
// outputs), or its captured streams alone; or, for a traced first key, its
// path sets.
#include "cli/commands.hpp"
#include "cli/entry_view.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "engine/prepared_key.hpp"
#include "key/key_record.hpp"
#include "key/path_set.hpp"
#include "store/key_prefix.hpp"
#include "store/local_storage.hpp"
#include "store/output_log.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace fleche::cli {

using engine::open_configured_store;

namespace {

struct ShowOptions {
    std::string key;
    bool stdout_only = false, stderr_only = false, log = false, json = false, inputs = false;
};

// The traced first keys with a path-set list whose key starts with `prefix`:
// the names in its shard of path-sets/ (LocalStorage::path_sets_path).
std::vector<std::string> first_keys_with_prefix(const store::LocalStorage &storage,
                                                const std::string &prefix) {
    std::string file = storage.path_sets_path(prefix);
    size_t slash = file.rfind('/');
    std::string rest = file.substr(slash + 1);
    std::vector<std::string> keys;
    for (const auto &name : directory_entries(file.substr(0, slash)))
        if (std::string key = prefix.substr(0, 2) + name;
            name.starts_with(rest) && is_hex_digest(key))
            keys.push_back(key);
    return keys;
}

bool traced_record(const std::string &key_record) {
    return key_record.find("\ntrace ") != std::string::npos;
}

// The index keeps the paths of a traced entry, not their states: those are
// in its entry file.
void add_path_sets(const store::Store &store, store::Entry &entry) {
    if (!traced_record(entry.key_record))
        return;
    store::EntryRead read = store.entries().read(entry.key);
    if (read.entry)
        entry.path_sets = std::move(read.entry->path_sets);
    else
        warn(read.damage.empty() ? "the entry file of " + entry.key + " was removed meanwhile"
                                 : read.damage + "; its traced inputs are not shown");
}

// Writes the chunks of the log that `pick` maps to an fd (or -1 to skip),
// streaming: a log of any size is shown in bounded memory. Nothing of a
// damaged log is shown (a large one is checked in a first pass, see
// BlobStore::read), and a log damaged while it is being shown ends in an
// error, exit 125, after what was written.
void print_log(const store::Store &store, const store::Entry &entry, int (*pick)(store::Stream)) {
    store::LogDecoder decoder([&](store::Stream stream, const char *data, size_t size) {
        int fd = pick(stream);
        if (fd >= 0)
            write_all(fd, data, size);
    });
    try {
        store.blobs().read(entry.log_blob,
                           [&](const char *data, size_t size) { decoder.feed(data, size); });
        decoder.finish();
    } catch (const std::exception &e) {
        throw Error("the log of entry " + entry.key + " is damaged (" + e.what() +
                    "); remove it with fleche rm");
    }
}

void write_record_json(JsonWriter &json, const std::string &text) {
    auto record = key::KeyRecord::parse(text);
    json.key("key_record_text").value(text);
    json.key("key_record");
    if (!record) {
        json.null();
        return;
    }
    json.begin_object();
    json.key("argv").begin_array();
    for (const auto &arg : record->argv)
        json.value(arg);
    json.end_array();
    json.key("tool").begin_array();
    for (const auto &digest : record->tool)
        json.value(digest);
    json.end_array();
    json.key("cwd");
    record->cwd ? json.value(*record->cwd) : json.null();
    json.key("env").begin_object();
    for (const auto &env : record->env) {
        json.key(env.name);
        env.value ? json.value(*env.value) : json.null();
    }
    json.end_object();
    json.key("inputs").begin_array();
    for (const auto &input : record->inputs) {
        json.begin_object().key("path").value(input.path);
        json.key("kind").value(key::input_kind_name(input.kind)).key("digest").value(input.digest);
        json.end_object();
    }
    json.end_array();
    json.key("stdin");
    record->stdin_digest ? json.value(*record->stdin_digest) : json.null();
    json.key("salt");
    record->salt ? json.value(*record->salt) : json.null();
    json.key("outputs").begin_array();
    for (const auto &output : record->outputs)
        json.value(output);
    json.end_array().end_object();
}

void write_json(store::Index &index, const store::Entry &e) {
    JsonWriter json;
    json.begin_object();
    write_entry_fields(json, index, e);
    write_record_json(json, e.key_record);
    std::optional<std::vector<std::string>> declared;
    json.key("first_key");
    if (traced_record(e.key_record)) {
        json.value(sha256_hex(e.key_record));
        auto record = key::KeyRecord::parse(e.key_record);
        declared = record ? record->outputs : std::vector<std::string>{};
    } else {
        json.null();
    }
    write_path_sets_json(json, e.path_sets);
    json.key("outputs").begin_array();
    for (const auto &o : e.outputs) {
        json.begin_object().key("path").value(o.path).key("type").value(output_type_name(o.type));
        json.key("executable").value(o.executable).key("size").value(o.size);
        json.key("blob").value(o.blob).key("target").value(o.target);
        json.key("discovered").value(declared && discovered_output(*declared, o.path));
        json.end_object();
    }
    json.end_array().end_object();
    write_all(STDOUT_FILENO, json.str());
}

// A traced first key has no entry of its own: its path sets, newest first,
// each naming the entry (K2) that a match replays.
int show_first_key(store::Store &store, const store::PathSetList &list, bool json_wanted) {
    store::Index &index = store.index();
    // Every path set, not only up to the first match as a lookup does: which
    // ones would match is what one comes here to see.
    engine::StoreHasher hasher(&store);
    std::error_code error;
    key::PathKeying keying{std::filesystem::current_path(error).string(), std::nullopt};
    std::vector<std::optional<std::string>> differences;
    size_t first_match = list.items.size();
    for (const auto &item : list.items) {
        differences.push_back(key::first_difference(item.path_set, keying, hasher.hasher()));
        if (!differences.back() && first_match == list.items.size())
            first_match = differences.size() - 1;
    }
    if (json_wanted) {
        JsonWriter json;
        json.begin_object().key("key").value(list.key).key("first_key").value(true);
        json.key("path_sets").begin_array();
        for (const auto &item : list.items) {
            json.begin_object().key("key").value(item.key);
            json.key("paths").value(uint64_t(item.path_set.paths.size()));
            json.key("stored").value(store.entries().read(item.key).entry.has_value());
            size_t i = size_t(&item - list.items.data());
            json.key("matches").value(!differences[i]).key("difference");
            differences[i] ? json.value(*differences[i]) : json.null();
            json.end_object();
        }
        json.end_array().end_object();
        write_all(STDOUT_FILENO, json.str());
        return 0;
    }
    std::printf("%-14s %s\n", "key", list.key.c_str());
    std::printf("%-14s %s\n", "traced",
                "the first key of a traced command: the first of its path sets that matches "
                "the files names the entry that run replays");
    for (const auto &item : list.items)
        if (auto entry = index.find(item.key)) {
            std::printf("%-14s %s\n", "command", command_line(*entry).c_str());
            break;
        }
    std::printf("path sets (newest first; matched against the files from here):\n");
    for (size_t i = 0; i < list.items.size(); ++i) {
        const auto &item = list.items[i];
        bool stored = store.entries().read(item.key).entry.has_value();
        std::string state = differences[i]     ? printable(*differences[i])
                            : i == first_match ? "matches (run would replay it)"
                                               : "matches";
        std::printf("  %zu  %s  %zu path%s  %s%s\n", i + 1,
                    store::short_key(index, item.key).c_str(), item.path_set.paths.size(),
                    item.path_set.paths.size() == 1 ? "" : "s", state.c_str(),
                    stored ? "" : " (its entry is gone)");
    }
    return 0;
}

int show(const ShowOptions &options) {
    auto opened = open_configured_store();
    store::Store &store = *opened;
    store::LocalStorage storage(store);
    std::string key = resolve_key(store.index(), options.key, [&](const std::string &prefix) {
        return first_keys_with_prefix(storage, prefix);
    });
    if (!store.index().find(key))
        if (auto list = storage.get_path_sets(key))
            return show_first_key(store, *list, options.json);
    store::Entry entry = load_entry(store.index(), key);
    add_path_sets(store, entry);
    // A merged log was all on the caller's stdout.
    if (options.stdout_only)
        print_log(store, entry, [](store::Stream s) { return s != store::Stream::err ? 1 : -1; });
    else if (options.stderr_only)
        print_log(store, entry, [](store::Stream s) { return s == store::Stream::err ? 1 : -1; });
    else if (options.log)
        print_log(store, entry, [](store::Stream s) { return s != store::Stream::err ? 1 : 2; });
    else if (options.json)
        write_json(store.index(), entry);
    else
        print_entry(entry, options.inputs);
    return 0;
}

} // namespace

Subcommand show_command(const CommandWords &) {
    auto options = std::make_shared<ShowOptions>();
    return {.name = "show",
            .description = "Print a stored entry: key record, metadata, outputs",
            .options =
                {
                    {.names = "KEY",
                     .help = "The entry's key or a unique prefix (at least 4 hex digits)",
                     .target = &options->key,
                     .required = true},
                    {.names = "--stdout",
                     .help = "Print only the captured stdout",
                     .target = &options->stdout_only,
                     .excludes = {"--stderr", "--log", "--json", "--inputs"}},
                    {.names = "--stderr",
                     .help = "Print only the captured stderr (on stdout)",
                     .target = &options->stderr_only,
                     .excludes = {"--stdout", "--log", "--json", "--inputs"}},
                    {.names = "--log",
                     .help = "Replay stdout and stderr in their original order",
                     .target = &options->log,
                     .excludes = {"--stdout", "--stderr", "--json", "--inputs"}},
                    {.names = "--json",
                     .help = "Print everything as one JSON object",
                     .target = &options->json,
                     .excludes = {"--stdout", "--stderr", "--log", "--inputs"}},
                    {.names = "--inputs",
                     .help = "List every traced input, not only the first 10 of each kind",
                     .target = &options->inputs,
                     .excludes = {"--stdout", "--stderr", "--log", "--json"}},
                },
            .action = [options] { return show(*options); }};
}

} // namespace fleche::cli
