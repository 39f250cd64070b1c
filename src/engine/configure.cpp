#include "engine/configure.hpp"

#include "key/relocation.hpp"
#include "store/hit_log.hpp"
#include "store/store_access.hpp"

#include "util/error.hpp"
#include "util/path_spec.hpp"
#include "util/text.hpp"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fleche::engine {

namespace {

void append(std::vector<std::string> &to, const std::vector<std::string> &from) {
    to.insert(to.end(), from.begin(), from.end());
}

// Rule paths are absolute (resolved against their file's folder); the key
// wants them relative to cwd, as if typed here, so entries stay relocatable.
std::vector<std::string> relative_to_cwd(const std::vector<std::string> &paths) {
    auto cwd = std::filesystem::current_path();
    std::vector<std::string> relative;
    for (const auto &path : paths) {
        relative.push_back(map_spec_path(path, [&](const std::string &absolute) {
            std::string r = std::filesystem::path(absolute).lexically_relative(cwd).string();
            return r.empty() ? absolute : r;
        }));
    }
    return relative;
}

// A trace sees absolute paths only: a relative glob would never match.
void check_trace_ignore(const std::vector<std::string> &globs, const std::string &where) {
    for (const auto &glob : globs)
        if (!glob.starts_with('/') && !glob.starts_with('*'))
            throw Error("trace_ignore glob '" + glob + "' at " + where +
                        " is relative; it is matched against absolute paths: write /" + glob +
                        " or **/" + glob);
}

// The scalars of the rules: the first rule that sets one wins.
struct RuleScalars {
    bool tool = false;
    std::optional<bool> trace, env_all, key_cwd;
    std::optional<std::string> base_dir;
};

void apply_rule(RunOptions &options, const config::Rule &rule, RuleScalars &first) {
    auto &inv = options.invocation;
    append(inv.inputs, relative_to_cwd(rule.inputs));
    append(inv.outputs, relative_to_cwd(rule.outputs));
    append(inv.env, rule.env);
    append(inv.ignore_args, rule.ignore_args);
    check_trace_ignore(rule.trace_ignore, "the rule at " + rule.source);
    append(inv.trace_ignore, rule.trace_ignore);
    if (!inv.salt && rule.salt)
        inv.salt = rule.salt;
    if (!first.tool && rule.tool) {
        inv.tool_identity =
            key::parse_tool_identity(*rule.tool, "tool of the rule at " + rule.source);
        first.tool = true;
    }
    if (!first.trace)
        first.trace = rule.trace;
    if (!first.env_all)
        first.env_all = rule.env_all;
    if (!first.key_cwd)
        first.key_cwd = rule.key_cwd;
    if (!first.base_dir)
        first.base_dir = rule.base_dir;
    for (const auto &name : rule.require_env) {
        const char *value = std::getenv(name.c_str());
        if (value && *value)
            continue;
        if (!options.no_store)
            warn(name + " is not set (required by the rule at " + rule.source +
                 "); running without the cache");
        options.no_store = true;
    }
}

bool climbs(std::string_view path) {
    return path == ".." || path.starts_with("../");
}

std::string absolute_clean(const std::string &path) {
    std::string clean = std::filesystem::absolute(path).lexically_normal().string();
    while (clean.size() > 1 && clean.back() == '/')
        clean.pop_back();
    return clean;
}

// Flags win, then the first rule that sets a scalar, then [run]. An empty
// --base-dir turns a configured one off.
void apply_scalars(RunOptions &options, const config::Config &config, const RuleScalars &first) {
    auto &inv = options.invocation;
    if (!inv.trace && !options.no_trace)
        inv.trace = first.trace.value_or(config.trace());
    if (!inv.env_all)
        inv.env_all = first.env_all.value_or(config.env_all());
    if (!inv.key_cwd)
        inv.key_cwd = first.key_cwd.value_or(false);
    std::optional<std::string> base = inv.base_dir ? inv.base_dir : first.base_dir;
    if (!base)
        base = config.base_dir();
    inv.base_dir = base && !base->empty() ? std::optional(absolute_clean(*base)) : std::nullopt;
    // Hashed and keyed by the same spec, so that the check after the run
    // (record_run.cpp) sees the inputs as the key did. An output must stay
    // beneath cwd: one that would climb keeps its absolute path, and the
    // message about it names what the user wrote.
    if (auto relocation = key::Relocation::make(inv.base_dir)) {
        for (auto &spec : inv.inputs)
            spec = relocation->spec(spec);
        for (auto &spec : inv.outputs)
            if (std::string keyed = relocation->spec(spec); !climbs(spec_pattern(keyed)))
                spec = keyed;
    }
}

} // namespace

std::vector<const config::Rule *> matching_rules(const RunOptions &options,
                                                 const config::Config &config) {
    std::vector<const config::Rule *> rules;
    const auto &argv = options.invocation.argv;
    std::string tool = argv.empty() ? "" : base_name(argv[0]);
    for (const auto &rule : config.rules)
        if (rule.applies_to(tool, options.name))
            rules.push_back(&rule);
    return rules;
}

std::unique_ptr<store::Store> open_store(const config::Config &config, bool readonly) {
    std::string dir = config.store_dir();
    if (dir.empty())
        dir = store::store_directory(); // throws: no place for the store
    store::set_store_umask(config.umask());
    if (auto why = store::store_access_problem(dir, readonly))
        throw Error(*why);
    if (!readonly)
        return std::make_unique<store::Store>(dir, config.compression());
    if (::access((dir + "/entries").c_str(), F_OK) != 0 &&
        ::access((dir + "/" + store::index_file_name).c_str(), F_OK) != 0)
        return nullptr;
    return std::make_unique<store::Store>(dir, store::ReadOnly{});
}

store::Limits configured_limits(const config::Config &config) {
    store::Limits limits;
    limits.max_size = config.max_size();
    limits.max_age_ns = config.max_age_ns();
    return limits;
}

std::unique_ptr<store::Store> open_configured_store() {
    config::Config config = config::load();
    auto store = open_store(config, config.readonly());
    if (!store)
        throw Error("there is no store yet at '" + config.store_dir() + "'");
    store->index().prepare_for_scans();
    if (!config.readonly())
        store::HitLog(store->dir()).fold(store->index());
    return store;
}

void configure(RunOptions &options, const config::Config &config) {
    auto &inv = options.invocation;
    std::vector<std::string> env = config.env();
    append(env, inv.env);
    inv.env = std::move(env);
    options.cache_failures = options.cache_failures || config.cache_failures();
    options.refresh = options.refresh || config.refresh();
    options.readonly = config.readonly();
    options.limits = configured_limits(config);
    if (!options.ttl_ns)
        options.ttl_ns = config.ttl_ns();
    if (!options.stale_ns)
        options.stale_ns = config.stale_ns();
    std::vector<std::string> trace_ignore = config.trace_ignore();
    check_trace_ignore(trace_ignore, config.get("run.trace_ignore").source);
    append(trace_ignore, inv.trace_ignore);
    inv.trace_ignore = std::move(trace_ignore);
    RuleScalars first;
    for (const auto *rule : matching_rules(options, config))
        apply_rule(options, *rule, first);
    if (!first.tool)
        inv.tool_identity = config.tool();
    apply_scalars(options, config, first);
}

std::optional<remote::RemoteConfig> configured_remote(const RunOptions &options,
                                                      const config::Config &config) {
    if (options.no_remote)
        return std::nullopt;
    try {
        return remote::remote_config(config, config::process_variable);
    } catch (const Error &e) {
        warn(std::string(e.what()) + "; running without the remote cache");
        return std::nullopt;
    }
}

} // namespace fleche::engine
