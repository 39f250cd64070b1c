#include "key/invocation.hpp"

#include "key/input_digest.hpp"
#include "key/relocation.hpp"
#include "key/traced_inputs.hpp"
#include "util/error.hpp"
#include "util/glob.hpp"
#include "util/path_spec.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fnmatch.h>
#include <set>
#include <unistd.h>

extern char **environ;

namespace fleche::key {

namespace {

// Each is set anew by the shell, the terminal, the session or make, so that
// two runs of one command in one checkout would not share a key with them:
//   PWD, OLDPWD, _, SHLVL        the shell's working directories, its last
//                                command, its nesting (--key-cwd keys the
//                                directory)
//   COLUMNS, LINES               the window's size, at each resize
//   DISPLAY, WAYLAND_DISPLAY, XAUTHORITY, WINDOWID, DBUS_SESSION_BUS_ADDRESS,
//   SESSION_MANAGER, XDG_RUNTIME_DIR, XDG_SEAT, XDG_VTNR, XDG_SESSION_*,
//   SSH_*, GPG_TTY, TERM_SESSION_ID, GNOME_TERMINAL_SCREEN,
//   GNOME_TERMINAL_SERVICE, TMUX*, STY, WINDOW
//                                the login, desktop, terminal or multiplexer
//                                session
//   INVOCATION_ID, JOURNAL_STREAM systemd's unit run and log stream
//   MAKEFLAGS, MFLAGS, MAKELEVEL, MAKE_TERMOUT, MAKE_TERMERR
//                                how make was called (-j N and the jobserver's
//                                descriptors or fifo, the recursion depth, its
//                                terminal): consequences of the build's
//                                invocation, not inputs of the step
//   FLECHE_*                     fleche's own (FLECHE_TAGS is set for CMD)
// TERM and COLORTERM stay: they choose the bytes a tool writes (colour,
// capabilities), which a hit replays.
constexpr std::string_view volatile_names[] = {
    "PWD",
    "OLDPWD",
    "_",
    "SHLVL",
    "COLUMNS",
    "LINES",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "WINDOWID",
    "DBUS_SESSION_BUS_ADDRESS",
    "SESSION_MANAGER",
    "XDG_RUNTIME_DIR",
    "XDG_SEAT",
    "XDG_VTNR",
    "GPG_TTY",
    "TERM_SESSION_ID",
    "GNOME_TERMINAL_SCREEN",
    "GNOME_TERMINAL_SERVICE",
    "STY",
    "WINDOW",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "MAKE_TERMOUT",
    "MAKE_TERMERR",
};
constexpr std::string_view volatile_prefixes[] = {"XDG_SESSION_", "SSH_", "TMUX", "FLECHE_"};

void add_all_others(std::vector<EnvValue> &selected) {
    std::set<std::string> chosen;
    for (const auto &variable : selected)
        chosen.insert(variable.name);
    for (char **entry = environ; *entry; ++entry) {
        const char *equals = std::strchr(*entry, '=');
        if (!equals)
            continue;
        std::string name(*entry, static_cast<size_t>(equals - *entry));
        if (!volatile_variable(name) && !chosen.contains(name))
            selected.push_back({name, "sha256:" + sha256_hex(equals + 1)});
    }
}

} // namespace

bool volatile_variable(const std::string &name) {
    return std::ranges::find(volatile_names, name) != std::end(volatile_names) ||
           std::ranges::any_of(volatile_prefixes,
                               [&](std::string_view prefix) { return name.starts_with(prefix); });
}

std::vector<EnvValue> select_environment(const std::vector<std::string> &patterns, bool all) {
    std::vector<EnvValue> selected;
    for (const auto &pattern : patterns) {
        if (!has_glob_chars(pattern)) {
            const char *value = std::getenv(pattern.c_str());
            selected.push_back({pattern, value ? std::optional<std::string>(value) : std::nullopt});
            continue;
        }
        for (char **entry = environ; *entry; ++entry) {
            const char *equals = std::strchr(*entry, '=');
            if (!equals)
                continue;
            std::string name(*entry, static_cast<size_t>(equals - *entry));
            if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0)
                selected.push_back({name, std::string(equals + 1)});
        }
    }
    if (all)
        add_all_others(selected);
    return selected;
}

std::string checked_output_path(const std::string &spec) {
    std::string_view pattern = spec_pattern(spec);
    std::string normal = normalize_path(std::string(pattern));
    if (pattern.empty() || pattern.starts_with('/') || normal == ".." ||
        normal.starts_with("../") || normal == ".")
        throw Error("output '" + spec +
                    "' must be a path inside the working directory, relative to it");
    if (pattern.size() != spec.size())
        return std::string(glob_prefix) + normal;
    // "./glob:x" names a file: normalised to "glob:x", it would read as a pattern.
    return normal.starts_with(glob_prefix) ? "./" + normal : normal;
}

std::vector<std::string> keyed_arguments(const std::vector<std::string> &argv,
                                         const std::vector<std::string> &ignore) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < argv.size(); ++i) {
        bool ignored = i > 0 && std::any_of(ignore.begin(), ignore.end(), [&](auto &glob) {
                           return ::fnmatch(glob.c_str(), argv[i].c_str(), 0) == 0;
                       });
        if (!ignored)
            kept.push_back(argv[i]);
    }
    return kept;
}

KeyRecord make_key_record(const Invocation &invocation, const Tool &tool,
                          const std::optional<std::string> &stdin_digest, FileHasher &hasher,
                          std::string &unhashable) {
    KeyRecord record;
    record.argv = keyed_arguments(invocation.argv, invocation.ignore_args);
    if (auto relocation = Relocation::make(invocation.base_dir))
        for (auto &arg : record.argv)
            arg = relocation->argument(arg); // CMD still gets the argument as given
    record.tool = tool.digests;
    if (invocation.key_cwd)
        record.cwd = std::filesystem::current_path().string();
    record.env = select_environment(invocation.env, invocation.env_all);
    DigestedInputs inputs = digest_inputs(invocation.inputs, true, hasher);
    record.inputs = std::move(inputs.inputs);
    unhashable = std::move(inputs.unhashable);
    record.stdin_digest = stdin_digest;
    record.salt = invocation.salt;
    for (const auto &output : invocation.outputs)
        record.outputs.push_back(checked_output_path(output));
    if (invocation.trace)
        record.trace = trace_scheme(false, invocation.trace_ignore);
    record.canonicalize();
    return record;
}

} // namespace fleche::key
