// The effective configuration. Precedence, lowest first (later layers win,
// key by key; see load()):
//   1. built-in defaults
//   2. $XDG_CONFIG_HOME/fleche/config.toml (else ~/.config/fleche/config.toml)
//   3. fleche.toml files from the farthest folder above cwd down to cwd's own
//      (the closest wins; a file with root = true stops the walk upward)
//   4. FLECHE_* environment variables (see config/keys.cpp)
//   5. command-line flags (applied by engine/configure.cpp)
// [[rule]] tables are not merged but collected: every file's rules apply,
// the closest file's first.
#pragma once

#include "config/keys.hpp"
#include "key/tool.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fleche::config {

// Per-command defaults; every list is already resolved (paths absolute).
struct Rule {
    std::string source; // "FILE:LINE"
    std::vector<std::string> match, name, inputs, outputs, env, ignore_args, require_env;
    std::vector<std::string> trace_ignore;
    std::optional<std::string> salt, tool, base_dir;
    std::optional<bool> key_cwd, trace, env_all; // unset: the rule says nothing

    // `tool_name`: argv[0] without its directory; `label`: --name, if given.
    bool applies_to(const std::string &tool_name, const std::optional<std::string> &label) const;
};

class Config {
  public:
    Config(); // the built-in defaults

    const Setting &get(std::string_view name) const;
    void set(std::string_view name, Setting setting);

    // Typed accessors for the code that acts on the settings.
    std::string store_dir() const; // empty when there is no place for it
    std::optional<uint64_t> max_size() const;
    std::optional<int64_t> max_age_ns() const;
    int compression() const;
    std::optional<mode_t> umask() const; // [store] umask: unset for a private store
    std::vector<std::string> env() const;
    bool cache_failures() const;
    key::ToolIdentity tool() const;
    bool trace() const;
    std::vector<std::string> trace_ignore() const;
    std::optional<std::string> base_dir() const; // absolute, as the file or flag resolved it
    bool env_all() const;
    std::optional<int64_t> ttl_ns() const;
    std::optional<int64_t> stale_ns() const;
    bool disable() const;
    bool refresh() const;
    bool readonly() const;
    std::optional<std::string> tags() const; // FLECHE_TAGS as written
    // [remote], read by remote/remote_config.cpp: a text or path key (unset:
    // nullopt), a list key, a duration key (all have defaults).
    std::optional<std::string> text(std::string_view name) const;
    std::vector<std::string> texts(std::string_view name) const;
    int64_t duration_ns(std::string_view name) const;
    bool remote_read_only() const; // FLECHE_READONLY implies it

    std::vector<Rule> rules;        // closest file first, then in file order
    std::vector<std::string> files; // the files read, lowest precedence first
    // The files not read because they are not trusted (config/trust.hpp):
    // (path, why), the user config first, then from cwd upward.
    std::vector<std::pair<std::string, std::string>> ignored;

  private:
    std::optional<int64_t> number(std::string_view name) const;
    bool flag(std::string_view name) const;
    std::map<std::string, Setting, std::less<>> settings_;
};

// Looks a variable up; nullopt when unset or empty.
using Environment = std::function<std::optional<std::string>(const char *name)>;

// Reads the files and variables that apply in `cwd` (an absolute, physical
// path). Throws Error naming the file, line and column, or the variable. A
// file that is not trusted is skipped with one warning (per process).
Config load(const std::string &cwd, const Environment &environment);
// The same for this process: getcwd() and getenv().
Config load();
// This process's variables as an Environment: getenv(), nullopt when empty.
std::optional<std::string> process_variable(const char *name);

// One file's settings and rules, checked against the key table.
struct FileLayer {
    std::string path;
    bool root = false;    // root = true: stop the walk upward here
    std::string distrust; // not empty: the file is ignored, and why (nothing is parsed)
    std::vector<std::pair<std::string, Setting>> settings;
    std::vector<Rule> rules;
};

// The layers, for load() and its tests. Throw Error like load().
FileLayer read_file(const std::string &path);
void apply(Config &config, const FileLayer &layer); // settings and file name only
void read_environment(Config &config, const Environment &environment);

} // namespace fleche::config
