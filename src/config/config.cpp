#include "config/config.hpp"

#include "util/error.hpp"

#include <cstdlib>
#include <fnmatch.h>
#include <set>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

namespace fleche::config {

namespace {

bool any_matches(const std::vector<std::string> &globs, const std::string &text) {
    for (const auto &glob : globs)
        if (::fnmatch(glob.c_str(), text.c_str(), 0) == 0)
            return true;
    return false;
}

bool is_file(const std::string &path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string parent_of(const std::string &dir) {
    auto slash = dir.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

std::string user_config_file(const Environment &environment) {
    if (auto dir = environment("XDG_CONFIG_HOME"))
        return *dir + "/fleche/config.toml";
    if (auto home = environment("HOME"))
        return *home + "/.config/fleche/config.toml";
    return "";
}

Setting default_store_dir(const Environment &environment) {
    if (auto cache = environment("XDG_CACHE_HOME"))
        return {*cache + "/fleche", *cache + "/fleche", "default ($XDG_CACHE_HOME/fleche)"};
    if (auto home = environment("HOME"))
        return {*home + "/.cache/fleche", *home + "/.cache/fleche", "default (~/.cache/fleche)"};
    return {};
}

// The fleche.toml files from cwd upward, closest first (a stat each: most
// folders have none, and nothing is parsed unless a file exists).
std::vector<std::string> project_files(const std::string &cwd) {
    std::vector<std::string> found;
    for (std::string dir = cwd;; dir = parent_of(dir)) {
        std::string path = (dir == "/" ? "" : dir) + "/fleche.toml";
        if (is_file(path))
            found.push_back(path);
        if (dir == "/")
            break;
    }
    return found;
}

// Leaves an untrusted layer out of `config`, with its warning: once per file
// and process, as some subcommands load the configuration twice.
bool trusted(Config &config, const FileLayer &layer) {
    if (layer.distrust.empty())
        return true;
    static std::set<std::string> warned;
    if (warned.insert(layer.path).second)
        warn("ignoring " + layer.path + ": " + layer.distrust);
    config.ignored.emplace_back(layer.path, layer.distrust);
    return false;
}

} // namespace

bool Rule::applies_to(const std::string &tool_name, const std::optional<std::string> &label) const {
    return any_matches(match, tool_name) || (label && any_matches(name, *label));
}

Config::Config() {
    for (const auto &key : setting_keys())
        settings_[std::string(key.name)] = {};
    settings_["store.compression"] = {int64_t(1), "1", "default"};
    settings_["run.env"] = {std::vector<std::string>{}, "", "default"};
    settings_["run.trace_ignore"] = {std::vector<std::string>{}, "", "default"};
    settings_["run.tool"] = {std::string("content"), "content", "default"};
    for (const char *name : {"run.cache_failures", "run.trace", "run.env_all", "run.disable",
                             "run.refresh", "run.readonly", "remote.read_only"})
        settings_[name] = {false, "false", "default"};
    settings_["remote.headers"] = {std::vector<std::string>{}, "", "default"};
    for (auto [name, variable] : {std::pair{"remote.token_env", "FLECHE_REMOTE_TOKEN"},
                                  {"remote.password_env", "FLECHE_REMOTE_PASSWORD"},
                                  {"remote.signing_key_env", "FLECHE_REMOTE_SIGNING_KEY"},
                                  {"remote.prefix", "fleche:"}})
        settings_[name] = {std::string(variable), variable, "default"};
    for (auto [name, text, ns] : {std::tuple{"remote.connect_timeout", "250ms", 250'000'000LL},
                                  {"remote.timeout", "10s", 10'000'000'000LL},
                                  {"remote.upload_timeout", "60s", 60'000'000'000LL},
                                  {"remote.cooldown", "60s", 60'000'000'000LL}})
        settings_[name] = {int64_t(ns), text, "default"};
}

const Setting &Config::get(std::string_view name) const {
    auto it = settings_.find(name);
    if (it == settings_.end())
        throw Error("internal error: no setting " + std::string(name));
    return it->second;
}

void Config::set(std::string_view name, Setting setting) {
    get(name); // only known keys
    settings_[std::string(name)] = std::move(setting);
}

std::optional<int64_t> Config::number(std::string_view name) const {
    if (auto *n = std::get_if<int64_t>(&get(name).value))
        return *n;
    return std::nullopt;
}

bool Config::flag(std::string_view name) const {
    return std::get<bool>(get(name).value);
}

std::string Config::store_dir() const {
    auto *dir = std::get_if<std::string>(&get("store.dir").value);
    return dir ? *dir : "";
}

std::optional<uint64_t> Config::max_size() const {
    if (auto n = number("store.max_size"))
        return static_cast<uint64_t>(*n);
    return std::nullopt;
}

std::optional<int64_t> Config::max_age_ns() const {
    return number("store.max_age");
}
std::optional<mode_t> Config::umask() const {
    if (auto n = number("store.umask"))
        return static_cast<mode_t>(*n);
    return std::nullopt;
}
int Config::compression() const {
    return static_cast<int>(*number("store.compression"));
}
std::vector<std::string> Config::env() const {
    return std::get<std::vector<std::string>>(get("run.env").value);
}
bool Config::cache_failures() const {
    return flag("run.cache_failures");
}
key::ToolIdentity Config::tool() const {
    return key::parse_tool_identity(std::get<std::string>(get("run.tool").value), "run.tool");
}
bool Config::trace() const {
    return flag("run.trace");
}
std::vector<std::string> Config::trace_ignore() const {
    return std::get<std::vector<std::string>>(get("run.trace_ignore").value);
}
std::optional<std::string> Config::base_dir() const {
    if (auto *dir = std::get_if<std::string>(&get("run.base_dir").value))
        return *dir;
    return std::nullopt;
}
bool Config::env_all() const {
    return flag("run.env_all");
}
std::optional<int64_t> Config::ttl_ns() const {
    return number("run.ttl");
}
std::optional<int64_t> Config::stale_ns() const {
    return number("run.stale");
}
bool Config::disable() const {
    return flag("run.disable");
}
bool Config::refresh() const {
    return flag("run.refresh");
}
bool Config::readonly() const {
    return flag("run.readonly");
}
std::optional<std::string> Config::text(std::string_view name) const {
    if (auto *text = std::get_if<std::string>(&get(name).value))
        return *text;
    return std::nullopt;
}
std::vector<std::string> Config::texts(std::string_view name) const {
    return std::get<std::vector<std::string>>(get(name).value);
}
int64_t Config::duration_ns(std::string_view name) const {
    return *number(name);
}
bool Config::remote_read_only() const {
    return flag("remote.read_only") || readonly();
}

std::optional<std::string> Config::tags() const {
    if (auto *text = std::get_if<std::string>(&get("run.tags").value))
        return *text;
    return std::nullopt;
}

void read_environment(Config &config, const Environment &environment) {
    for (const auto &key : setting_keys()) {
        if (!key.env)
            continue;
        if (auto text = environment(key.env))
            config.set(key.name, {parse_text(key, *text, key.env), *text, key.env});
    }
}

void apply(Config &config, const FileLayer &layer) {
    for (const auto &[name, setting] : layer.settings)
        config.set(name, setting);
    config.files.push_back(layer.path);
}

Config load(const std::string &cwd, const Environment &environment) {
    Config config;
    if (Setting dir = default_store_dir(environment); !dir.text.empty())
        config.set("store.dir", dir);
    std::optional<FileLayer> user;
    if (std::string path = user_config_file(environment); !path.empty() && is_file(path))
        if (FileLayer layer = read_file(path); trusted(config, layer))
            user = std::move(layer);
    std::vector<FileLayer> project; // closest first
    for (const auto &path : project_files(cwd)) {
        FileLayer layer = read_file(path);
        if (!trusted(config, layer))
            continue; // its root = true is not read either
        project.push_back(std::move(layer));
        if (project.back().root)
            break;
    }
    if (user)
        apply(config, *user);
    for (auto layer = project.rbegin(); layer != project.rend(); ++layer)
        apply(config, *layer);
    for (const auto &layer : project)
        config.rules.insert(config.rules.end(), layer.rules.begin(), layer.rules.end());
    if (user)
        config.rules.insert(config.rules.end(), user->rules.begin(), user->rules.end());
    read_environment(config, environment);
    return config;
}

Config load() {
    char buffer[4096];
    std::string cwd = ::getcwd(buffer, sizeof buffer) ? buffer : "/";
    return load(cwd, process_variable);
}

std::optional<std::string> process_variable(const char *name) {
    const char *value = std::getenv(name);
    if (!value || !*value)
        return std::nullopt;
    return std::string(value);
}

} // namespace fleche::config
