#include "engine/record_run.hpp"

#include "engine/checkout_names.hpp"
#include "engine/labels.hpp"
#include "engine/log_capture.hpp"
#include "engine/traced_lookup.hpp"

#include "exec/inherited.hpp"
#include "exec/runner.hpp"
#include "exec/signal_forwarding.hpp"
#include "key/input_digest.hpp"
#include "key/path_set.hpp"
#include "key/traced_inputs.hpp"
#include "store/auto_gc.hpp"
#include "store/counters.hpp"
#include "store/hit_log.hpp"
#include "store/local_storage.hpp"
#include "store/output_files.hpp"
#include "store/path_set_list.hpp"
#include "store/storing_lock.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/test_hook.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <pthread.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace fleche::engine {

namespace {

// From the environment rather than getpwuid(): the binary is static, and the
// NSS modules getpwuid() would load must not be a dependency of fleche.
std::string user_name() {
    for (const char *name : {"USER", "LOGNAME"})
        if (const char *value = std::getenv(name); value && *value)
            return value;
    return std::to_string(::geteuid());
}

std::string host_name() {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
}

store::Entry make_entry(const PreparedKey &key, const exec::RunResult &result) {
    store::Entry entry;
    entry.key = key.key;
    entry.key_record = key.encoded;
    entry.name = base_name(key.record.argv[0]);
    entry.command = shell_join(key.record.argv);
    entry.exit_code = result.exit_code;
    entry.started_ns = result.started_ns;
    entry.stopped_ns = result.stopped_ns;
    entry.user_ns = result.user_ns;
    entry.system_ns = result.system_ns;
    entry.max_rss_kb = result.max_rss_kb;
    entry.host = host_name();
    entry.user = user_name();
    entry.cwd = std::filesystem::current_path().string();
    entry.fleche_version = FLECHE_VERSION;
    entry.last_use_ns = now_ns();
    return entry;
}

struct Refusal {
    std::string reason;      // empty: the run may be stored
    bool surprising = false; // worth a warning even without -v
};

Refusal refusal(const PreparedKey &key, const exec::RunResult &result, const RunOptions &options,
                key::FileHasher &hasher) {
    if (result.signal)
        return {"CMD was killed by signal " + std::to_string(result.signal)};
    // Each of these can cut CMD's output short or change it, whatever its exit code.
    if (result.received_signal)
        return {std::string("fleche received ") + exec::forwarded_name(result.received_signal) +
                " while CMD ran (and forwarded it)"};
    if (!result.delivery.whole())
        return {"the output was not delivered whole: " + result.delivery.failure()};
    if (result.output_held_open)
        return {"a background process of CMD kept its output open after CMD exited; the "
                "output may be incomplete"};
    if (exec::std_fd_closed(STDOUT_FILENO) || exec::std_fd_closed(STDERR_FILENO))
        return {"CMD ran with stdout or stderr closed"};
    if (result.exit_code != 0 && !options.cache_failures)
        return {"CMD exited with " + std::to_string(result.exit_code) +
                " (use --cache-failures to store failures)"};
    auto after = key::digest_inputs(options.invocation.inputs, false, hasher);
    if (!after.unhashable.empty())
        return {after.unhashable, true};
    if (after.inputs != key.record.inputs)
        return {"an input changed while CMD ran", true};
    return {};
}

// What a traced run adds to its entry: the path set it saw and the K2 that
// names the entry, and the outputs it left beneath the working directory.
struct TracedResult {
    store::PathSet path_set;
    std::string entry_key;
    std::vector<std::string> outputs; // specs for capture_outputs
};

constexpr size_t max_traced_paths = 100'000;

// Whether a traced run may be stored, after the checks of every run; fills
// `traced` when it may. Hashes each traced input once (the stat cache spares
// the unchanged ones) and remembers what it learnt.
Refusal traced_refusal(const PreparedKey &key, const exec::RunResult &result,
                       const RunOptions &options, const store::Store &store, StoreHasher &hashing,
                       TracedResult &traced) {
    if (!result.trace) // warned of already
        return {"--trace unavailable (" + result.trace_unavailable + ")"};
    key::PathKeying keying = path_keying(options.invocation);
    key::TraceScope scope{keying.cwd, store.dir(), options.invocation.trace_ignore};
    key::TracedPaths paths = key::classify_trace(*result.trace, scope);
    if (!paths.refusal.empty())
        return {paths.refusal};
    // Every lookup of the key reads and checks every path of its path sets.
    if (paths.inputs.size() > max_traced_paths)
        return {"CMD looked at " + std::to_string(paths.inputs.size()) + " paths, more than " +
                std::to_string(max_traced_paths) + " (a path set that large is not kept)"};
    // Changed since fleche started (as ccache's "file too new"), not only
    // since CMD did: file times come from the kernel's coarse clock, up to a
    // tick behind now_ns(), and a threshold a tick before CMD's start made
    // the objects that make wrote just before a link look new (the link was
    // refused, with a warning). Left unseen: a write by another process in
    // CMD's first moments, within a tick of fleche's start.
    key::BuiltPathSet built =
        key::build_path_set(paths, keying, process_start_ns(), hashing.hasher());
    hashing.remember();
    if (!built.refusal.empty())
        return {built.refusal, true};
    traced.path_set = std::move(built.set);
    traced.entry_key = store::traced_entry_key(key.key, traced.path_set);
    for (const auto &output : paths.outputs)
        traced.outputs.push_back("./" + output); // a path, never a "glob:" spec
    return {};
}

// K1's list gets the new path set first, after the entry it names is stored:
// a list that names a missing entry would only cost a miss, but an entry
// that no list names is never replayed (until gc takes it).
store::PathSetList put_path_set(store::Store &store, const PreparedKey &key,
                                const TracedResult &traced) {
    test_hook("path-sets-begin");
    store::LocalStorage storage(store);
    store::PathSetList list = storage.get_path_sets(key.key).value_or(store::PathSetList{});
    list.key = key.key;
    store::prepend_path_set(list, {traced.path_set, traced.entry_key});
    storage.put_path_sets(list);
    return list;
}

void trim_store_if_due(const store::Store &store, const store::Entry &entry,
                       const store::Limits &limits) {
    try {
        store::start_gc_if_due(store, entry, limits);
    } catch (const Error &e) {
        warn(std::string(e.what()) + "; the store is not trimmed");
    }
}

// An output names the checkout: a traced run is keyed on its working
// directory as well; any other is not stored (checkout_names.hpp).
bool keep_to_checkout(const std::string &output, const PreparedKey &key, const RunOptions &options,
                      TracedResult *traced) {
    std::string why =
        "output '" + output + "' names the checkout '" + *options.invocation.base_dir + "'";
    if (!traced) {
        warn(why + ": with --base-dir another checkout would replay it; not storing this "
                   "result (give the tool key_cwd = true, or --trace)");
        return false;
    }
    if (options.verbose)
        say(why + ": stored for this working directory only");
    auto &paths = traced->path_set.paths;
    store::PathState here{path_keying(options.invocation).cwd, store::PathState::Kind::cwd, ""};
    auto at = std::lower_bound(paths.begin(), paths.end(), here,
                               [](const auto &a, const auto &b) { return a.path < b.path; });
    paths.insert(at, std::move(here));
    traced->entry_key = store::traced_entry_key(key.key, traced->path_set);
    return true;
}

void store_result(store::Store &store, LogCapture &log, const PreparedKey &key,
                  const exec::RunResult &result, const RunOptions &options, TracedResult *traced,
                  remote::RemoteCache *remote) {
    store::StoringGuard storing(store); // gc spares our blobs until the entry names them
    log.finish();
    if (!log.usable())
        return; // nothing to store: no output blob either
    std::vector<std::string> specs = options.invocation.outputs;
    if (traced)
        specs.insert(specs.end(), traced->outputs.begin(), traced->outputs.end());
    auto outputs = store::capture_outputs(store.blobs(), specs);
    if (!outputs)
        return;
    if (auto named = output_naming_checkout(*outputs, options.invocation))
        if (!keep_to_checkout(*named, key, options, traced))
            return;
    store::Entry entry = make_entry(key, result);
    if (traced) {
        entry.key = traced->entry_key;
        entry.path_sets = {traced->path_set};
    }
    Labels labels = entry_labels(options, key.record.argv[0]);
    entry.name = labels.name;
    entry.tags = labels.tags;
    entry.log_size = log.writer().size();
    entry.log_blob = log.writer().commit(); // blobs before the entry that names them
    entry.outputs = std::move(*outputs);
    for (const auto &output : entry.outputs)
        entry.outputs_size += output.size;
    store::LocalStorage(store).put_entry(entry); // the entry file, then the index row
    std::optional<store::PathSetList> list;
    if (traced)
        list = put_path_set(store, key, *traced);
    test_hook("stored");
    if (remote)
        remote->upload(entry, list ? &*list : nullptr);
    if (store::Index *index = store.try_index()) {
        try {
            store::HitLog(store.dir()).fold(*index); // we write the index anyway
        } catch (const Error &) {
            // counts catch up at the next fold
        }
        // Later opens of the index have an empty WAL to scan. Not left to
        // the autocheckpoint: each process is the first connection, whose
        // recovery of the WAL starts the backfill over, so the WAL never
        // restarts and grows (measured: 10 MB after a few hundred misses,
        // 2,500 reads on every open).
        index->checkpoint(), test_hook("index-checkpointed");
    }
    trim_store_if_due(store, entry, options.limits);
}

// A stored run is counted with the entry; this counts one that was not.
void count_miss(store::Store &store, const PreparedKey &key, const RunOptions &options,
                bool error) {
    if (store::Index *index = store.try_index())
        store::try_bump_counters(*index, entry_labels(options, key.record.argv[0]).name, key.key,
                                 {.misses = 1, .errors = error ? 1 : 0});
}

// Opens the index and prepares the statements of the entry's row on a thread
// of its own while CMD runs, which the store would otherwise do after CMD
// exits (about 1 M instructions, half a millisecond; the index is needed
// whether the run is stored or not, to count it). Joined when CMD has exited
// (std::jthread), before the store is used on this thread again: Store and
// its connection are used by one thread at a time. The thread takes no
// signal (they are forwarded to CMD by the thread that waits for it). A
// failure is left for try_index() to meet again after CMD, as before.
std::jthread open_index_meanwhile(store::Store &store) {
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    std::jthread opener;
    try {
        opener = std::jthread([&store] {
            if (store::Index *index = store.try_index()) {
                try {
                    index->prepare_put();
                } catch (const std::exception &) {
                    // prepared again by put(), which reports what fails
                }
            }
        });
    } catch (const std::system_error &) {
        // no thread: the index is opened after CMD
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return opener;
}

} // namespace

int run_and_record(store::Store *store, PreparedKey &key, const RunOptions &options,
                   StoreHasher &hashing, remote::RemoteCache *remote) {
    LogCapture log(store ? &store->blobs() : nullptr);
    int stdin_fd = key.stdin_copy ? key.stdin_copy.get() : -1;
    std::jthread opener = store ? open_index_meanwhile(*store) : std::jthread();
    // Traced only when the result can be stored: the trace is for the key.
    bool trace = store && options.invocation.trace;
    exec::RunResult result = exec::run_process(
        key.tool.path, options.invocation.argv, stdin_fd, // ignored arguments too
        [&](store::Stream stream, const char *data, size_t size) { log.chunk(stream, data, size); },
        exec::RunOptions{.trace = trace, .trace_filter = {}});
    if (opener.joinable())
        opener.join();
    if (trace && !result.trace)
        warn("--trace unavailable (" + result.trace_unavailable + "); not storing this result");
    if (!store || !log.usable())
        return result.status();
    Refusal refused = refusal(key, result, options, hashing.hasher());
    TracedResult traced;
    if (refused.reason.empty() && trace)
        refused = traced_refusal(key, result, options, *store, hashing, traced);
    if (!refused.reason.empty()) {
        count_miss(*store, key, options, refused.surprising);
        if (refused.surprising)
            warn(refused.reason + "; not storing this result");
        else if (options.verbose)
            say("not stored: " + refused.reason);
        return result.status();
    }
    try {
        store_result(*store, log, key, result, options, trace ? &traced : nullptr, remote);
    } catch (const std::exception &e) {
        warn(std::string("cannot store the result: ") + e.what());
        count_miss(*store, key, options, true);
    }
    return result.status();
}

} // namespace fleche::engine
