#include "engine/expiry.hpp"

#include "engine/configure.hpp"
#include "engine/record_run.hpp"
#include "exec/spawn.hpp"
#include "store/key_lock.hpp"
#include "store/local_storage.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <vector>

namespace fleche::engine {

namespace {

std::vector<std::string> own_command_line() {
    std::string all = read_file("/proc/self/cmdline");
    std::vector<std::string> argv;
    size_t start = 0;
    for (size_t i = 0; i < all.size(); ++i)
        if (all[i] == '\0') {
            argv.push_back(all.substr(start, i - start));
            start = i + 1;
        }
    return argv;
}

// Right after "run" (so before any "--", never among CMD's words): the option
// that makes the re-executed fleche a refresh of `key`, and a label that came
// from FLECHE_TAGS, which is no longer there for the refresh (CMD gets the
// tags without it), as --name.
void mark_as_refresh(std::vector<std::string> &words, const PreparedKey &key,
                     const RunOptions &options) {
    auto options_end = std::find(words.begin() + 2, words.end(), "--");
    bool named = std::any_of(words.begin() + 2, options_end, [](const std::string &word) {
        return word == "--name" || word.starts_with("--name=");
    }); // given on the command line: the refresh sees it too
    if (options.name && !named)
        words.insert(words.begin() + 2, "--name=" + *options.name);
    // Built in steps: GCC 12 warns (-Warray-bounds, a false positive) about
    // the temporaries of `std::string(option) + "=" + key` in a non-unity build.
    std::string refresh = background_refresh_option;
    refresh += '=';
    refresh += key.key;
    words.insert(words.begin() + 2, std::move(refresh));
}

} // namespace

Freshness freshness(const store::Entry &entry, const RunOptions &options, int64_t now_ns) {
    int64_t age = now_ns - entry.stopped_ns;
    if (options.ttl_ns && age > *options.ttl_ns)
        return Freshness::expired;
    if (options.stale_ns && age > *options.stale_ns)
        return Freshness::stale;
    return Freshness::fresh;
}

std::string expiry_reason(const store::Entry &entry, const RunOptions &options, int64_t now_ns) {
    return "the stored result is " + format_duration(now_ns - entry.stopped_ns) +
           " old, older than --ttl " + format_duration(options.ttl_ns.value_or(0));
}

void refresh_in_background(const PreparedKey &key, const RunOptions &options) {
    if (options.invocation.hash_stdin) {
        if (options.verbose)
            say("not refreshing " + key.short_key() + " in the background: it reads stdin");
        return;
    }
    std::vector<std::string> words;
    try {
        words = own_command_line();
    } catch (const Error &e) {
        warn(std::string(e.what()) + "; not refreshing the stale result");
        return;
    }
    if (words.size() < 2 || words[1] != "run") {
        warn("not refreshing the stale result: fleche's own command line does not start with "
             "'run'");
        return;
    }
    mark_as_refresh(words, key, options);
    // Detached from the caller's terminal, session and pipes; the caller's
    // signal dispositions (SIGPIPE) are what the refresh records for CMD.
    if (int error = exec::spawn_detached("/proc/self/exe", words)) {
        warn(errno_message("cannot start the background refresh", error));
        return;
    }
    if (options.verbose)
        say("refreshing " + key.short_key() + " in the background");
}

int run_background_refresh(RunOptions &options, const config::Config &config,
                           const std::string &expected_key) {
    auto opened = open_store(config, false);
    store::Store &store = *opened;
    StoreHasher hashing(&store);
    PreparedKey key = hashing.prepare(options.invocation, true);
    if (key.key != expected_key)
        return 0; // the inputs changed since: the next run will miss anyway
    auto lock = store::KeyLock::try_lock(store.lock_path(key.key));
    if (!lock)
        return 0; // being computed right now
    auto entry = store::LocalStorage(store).get_entry(key.key).entry;
    if (entry && freshness(*entry, options, now_ns()) == Freshness::fresh)
        return 0; // another refresh finished first
    options.refresh = true;
    options.verbose = false;
    lock->run_started();
    int status = run_and_record(&store, key, options, hashing);
    lock->run_finished();
    return status;
}

} // namespace fleche::engine
