// fleche show KEY: one entry in full (key record, metadata, outputs), or its
// captured streams alone.
#include "cli/commands.hpp"
#include "cli/entry_view.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "key/key_record.hpp"
#include "store/output_log.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <cstdio>
#include <memory>

namespace fleche::cli {

using engine::open_configured_store;

namespace {

struct ShowOptions {
    std::string key;
    bool stdout_only = false, stderr_only = false, log = false, json = false;
};

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
    json.key("outputs").begin_array();
    for (const auto &o : e.outputs) {
        json.begin_object().key("path").value(o.path).key("type").value(output_type_name(o.type));
        json.key("executable").value(o.executable).key("size").value(o.size);
        json.key("blob").value(o.blob).key("target").value(o.target).end_object();
    }
    json.end_array().end_object();
    write_all(STDOUT_FILENO, json.str());
}

int show(const ShowOptions &options) {
    auto opened = open_configured_store();
    store::Store &store = *opened;
    store::Entry entry = load_entry(store.index(), resolve_key(store.index(), options.key));
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
        print_entry(entry);
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
                     .excludes = {"--stderr", "--log", "--json"}},
                    {.names = "--stderr",
                     .help = "Print only the captured stderr (on stdout)",
                     .target = &options->stderr_only,
                     .excludes = {"--stdout", "--log", "--json"}},
                    {.names = "--log",
                     .help = "Replay stdout and stderr in their original order",
                     .target = &options->log,
                     .excludes = {"--stdout", "--stderr", "--json"}},
                    {.names = "--json",
                     .help = "Print everything as one JSON object",
                     .target = &options->json,
                     .excludes = {"--stdout", "--stderr", "--log"}},
                },
            .action = [options] { return show(*options); }};
}

} // namespace fleche::cli
