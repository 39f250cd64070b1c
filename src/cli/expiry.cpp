#include "cli/expiry.hpp"

#include "cli/configure.hpp"
#include "cli/record_run.hpp"
#include "exec/inherited.hpp"
#include "store/key_lock.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/text.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fleche::cli {

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

// In the grandchild: detach from the caller's terminal, session and pipes.
[[noreturn]] void exec_detached(std::vector<char *> &argv) {
    ::setsid();
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
    }
    ::close_range(3, ~0U, 0);
    // fleche ignores SIGPIPE for itself; the refresh must record what the
    // caller gave, so that its CMD gets that.
    ::signal(SIGPIPE, exec::inherited_ignored(SIGPIPE) ? SIG_IGN : SIG_DFL);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
}

// A label that came from FLECHE_TAGS is no longer there for the refresh
// (CMD gets the tags without it): pass it as --name.
void keep_label(std::vector<std::string> &words, const RunOptions &options) {
    if (!options.name || words.size() < 2 || words[1] != "run")
        return;
    for (const auto &word : words) {
        if (word == "--")
            break;
        if (word == "--name" || word.starts_with("--name="))
            return; // given on the command line: the refresh sees it too
    }
    words.insert(words.begin() + 2, "--name=" + *options.name);
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
    keep_label(words, options);
    std::vector<char *> argv;
    for (auto &word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    ::setenv(refresh_key_variable, key.key.c_str(), 1);
    // Fork twice so that the refresh is adopted by init and never becomes
    // a zombie of ours; we wait only for the short-lived middle child.
    pid_t child = ::fork();
    if (child == 0) {
        if (::fork() == 0)
            exec_detached(argv);
        ::_exit(0);
    }
    ::unsetenv(refresh_key_variable);
    if (child < 0) {
        warn(errno_message("cannot start the background refresh", errno));
        return;
    }
    ::waitpid(child, nullptr, 0);
    if (options.verbose)
        say("refreshing " + key.short_key() + " in the background");
}

std::optional<std::string> take_refresh_key() {
    const char *value = std::getenv(refresh_key_variable);
    if (!value)
        return std::nullopt;
    std::string key = value;
    ::unsetenv(refresh_key_variable);
    return key;
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
    auto entry = store.index().find(key.key);
    if (entry && freshness(*entry, options, now_ns()) == Freshness::fresh)
        return 0; // another refresh finished first
    options.refresh = true;
    options.verbose = false;
    return run_and_record(&store, key, options, hashing.hasher());
}

} // namespace fleche::cli
