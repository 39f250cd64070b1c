// fleche config: every effective setting and where it came from, and the
// rules (with -- CMD: the rules that apply to CMD).
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "util/colour.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/json.hpp"

#include <filesystem>
#include <memory>
#include <unistd.h>

namespace fleche::cli {

using engine::matching_rules;

namespace {

struct ConfigOptions {
    RunOptions run;
    bool json = false;
};

// Flags are the last layer; show them as the source of what they change.
void apply_flags(config::Config &config, const RunOptions &flags) {
    if (flags.cache_failures)
        config.set("run.cache_failures", {true, "true", "flag --cache-failures"});
    if (flags.refresh)
        config.set("run.refresh", {true, "true", "flag --refresh"});
    const auto &inv = flags.invocation;
    if (inv.trace || flags.no_trace)
        config.set("run.trace", {inv.trace, inv.trace ? "true" : "false",
                                 inv.trace ? "flag --trace" : "flag --no-trace"});
    if (inv.env_all)
        config.set("run.env_all", {true, "true", "flag --env-all"});
    if (inv.base_dir && inv.base_dir->empty())
        config.set("run.base_dir", {std::monostate{}, "", "flag --base-dir ''"});
    else if (inv.base_dir) {
        std::string dir = std::filesystem::absolute(*inv.base_dir).lexically_normal().string();
        config.set("run.base_dir", {dir, dir, "flag --base-dir"});
    }
    if (!flags.invocation.env.empty()) {
        config::Setting env = config.get("run.env");
        auto &list = std::get<std::vector<std::string>>(env.value);
        list.insert(list.end(), flags.invocation.env.begin(), flags.invocation.env.end());
        env.source += " + flag --env";
        config.set("run.env", env);
    }
}

std::vector<const config::Rule *> shown_rules(const ConfigOptions &options,
                                              const config::Config &config) {
    if (!options.run.invocation.argv.empty())
        return matching_rules(options.run, config);
    std::vector<const config::Rule *> all;
    for (const auto &rule : config.rules)
        all.push_back(&rule);
    return all;
}

// A rule's fields in table order, as settings, for the print switch.
std::vector<std::pair<const config::KeyInfo *, config::Setting>>
rule_fields(const config::Rule &rule) {
    const std::vector<std::string> *lists[] = {&rule.match, &rule.name, &rule.inputs, &rule.outputs,
                                               &rule.env};
    std::vector<std::pair<const config::KeyInfo *, config::Setting>> fields;
    auto keys = config::rule_keys();
    for (size_t i = 0; i < 5; ++i)
        fields.push_back({&keys[i], {*lists[i], "", ""}});
    auto optional = [](const std::optional<std::string> &text) {
        return text ? config::Setting{*text, *text, ""} : config::Setting{};
    };
    fields.push_back({&keys[5], optional(rule.salt)});
    fields.push_back({&keys[6], optional(rule.tool)});
    fields.push_back({&keys[7], {rule.ignore_args, "", ""}});
    fields.push_back({&keys[8], {rule.require_env, "", ""}});
    auto flag = [](const std::optional<bool> &value) {
        return value ? config::Setting{*value, *value ? "true" : "false", ""} : config::Setting{};
    };
    fields.push_back({&keys[9], flag(rule.key_cwd)});
    fields.push_back({&keys[10], flag(rule.trace)});
    fields.push_back({&keys[11], {rule.trace_ignore, "", ""}});
    fields.push_back({&keys[12], optional(rule.base_dir)});
    fields.push_back({&keys[13], flag(rule.env_all)});
    return fields;
}

std::string text_report(const config::Config &config,
                        const std::vector<const config::Rule *> &rules) {
    bool colour = use_colour(STDOUT_FILENO);
    std::string out;
    for (const auto &key : config::setting_keys()) {
        const config::Setting &setting = config.get(key.name);
        std::string value = config::format_value(key, setting);
        std::string line = std::string(key.name) + " = " + (value.empty() ? "(unset)" : value);
        line.resize(std::max<size_t>(line.size() + 1, 44), ' ');
        out += line + dim("# " + setting.source, colour) + "\n";
    }
    out += dim("# files read, lowest precedence first:", colour) + "\n";
    for (const auto &file : config.files)
        out += dim("#   " + file, colour) + "\n";
    if (config.files.empty())
        out += dim("#   (none)", colour) + "\n";
    if (!config.ignored.empty())
        out += dim("# files ignored:", colour) + "\n";
    for (const auto &[file, why] : config.ignored)
        out += dim("#   " + file + ": " + why, colour) + "\n";
    for (const auto *rule : rules) {
        out += "\n[[rule]] " + dim("# " + rule->source, colour) + "\n";
        for (const auto &[key, setting] : rule_fields(*rule))
            if (std::string value = config::format_value(*key, setting);
                !value.empty() && value != "[]")
                out += std::string(key->name.substr(5)) + " = " + value + "\n";
    }
    return out;
}

std::string json_report(const config::Config &config,
                        const std::vector<const config::Rule *> &rules) {
    std::string out = "{\"settings\":{";
    std::string section;
    for (const auto &key : config::setting_keys()) {
        std::string name(key.name);
        std::string this_section = name.substr(0, name.find('.'));
        if (this_section != section)
            out += std::string(section.empty() ? "" : "},") + json_quote(this_section) + ":{";
        else
            out += ",";
        section = this_section;
        const config::Setting &setting = config.get(key.name);
        out += json_quote(name.substr(name.find('.') + 1)) +
               ":{\"value\":" + config::json_value(key, setting) +
               ",\"source\":" + json_quote(setting.source) + "}";
    }
    out += "}},\"files\":" + json_strings(config.files) + ",\"ignored\":[";
    for (size_t i = 0; i < config.ignored.size(); ++i)
        out += std::string(i ? "," : "") + "{\"path\":" + json_quote(config.ignored[i].first) +
               ",\"reason\":" + json_quote(config.ignored[i].second) + "}";
    out += "],\"rules\":[";
    for (size_t i = 0; i < rules.size(); ++i) {
        out += std::string(i ? "," : "") + "{\"source\":" + json_quote(rules[i]->source);
        for (const auto &[key, setting] : rule_fields(*rules[i]))
            out += "," + json_quote(std::string(key->name.substr(5))) + ":" +
                   config::json_value(*key, setting);
        out += "}";
    }
    return out + "]}\n";
}

int show_config(ConfigOptions &options) {
    config::Config config = config::load();
    apply_flags(config, options.run);
    auto rules = shown_rules(options, config);
    std::string report = options.json ? json_report(config, rules) : text_report(config, rules);
    return write_all(STDOUT_FILENO, report) ? 0 : exit_failure;
}

} // namespace

Subcommand config_command(const CommandWords &command) {
    auto options = std::make_shared<ConfigOptions>();
    Subcommand sub{.name = "config",
                   .description = "Print every effective setting and where it came from",
                   .footer = "Usage: fleche config [--json] [OPTIONS] [-- CMD [ARGS...]]\n"
                             "With CMD, only the rules that apply to CMD are shown.\n",
                   .options = {{.names = "--json",
                                .help = "Print JSON instead of TOML-like text",
                                .target = &options->json}},
                   .action = [options, &command] {
                       options->run.invocation.argv = command;
                       return show_config(*options);
                   }};
    add_key_options(sub.options, options->run);
    add_run_options(sub.options, options->run);
    return sub;
}

} // namespace fleche::cli
