#include "engine/configure.hpp"

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

void apply_rule(RunOptions &options, const config::Rule &rule, bool &tool_set) {
    auto &inv = options.invocation;
    append(inv.inputs, relative_to_cwd(rule.inputs));
    append(inv.outputs, relative_to_cwd(rule.outputs));
    append(inv.env, rule.env);
    append(inv.ignore_args, rule.ignore_args);
    if (!inv.salt && rule.salt)
        inv.salt = rule.salt;
    if (!tool_set && rule.tool) {
        inv.tool_identity =
            key::parse_tool_identity(*rule.tool, "tool of the rule at " + rule.source);
        tool_set = true;
    }
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
    bool tool_set = false;
    for (const auto *rule : matching_rules(options, config))
        apply_rule(options, *rule, tool_set);
    if (!tool_set)
        inv.tool_identity = config.tool();
}

} // namespace fleche::engine
