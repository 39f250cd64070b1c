// Reading one fleche.toml with toml++. toml++ is used header-only, compiled
// into this file alone: no shared library to load on a hit, and nothing of
// it runs unless a file exists.
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/trust.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/path_spec.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>

namespace fleche::config {

namespace {

class FileReader {
  public:
    explicit FileReader(std::string path)
        : path_(std::move(path)), dir_(std::filesystem::path(path_).parent_path().string()) {}

    FileLayer read() {
        FileLayer layer;
        layer.path = path_;
        // Opened once and checked with fstat(): the file that is read is the
        // file that was checked.
        Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat status;
        if (!fd || ::fstat(fd.get(), &status) != 0)
            throw Error(errno_message("cannot read '" + path_ + "'", errno));
        layer.distrust = distrust(status, ::geteuid());
        if (!layer.distrust.empty())
            return layer; // not even parsed
        std::string text = read_rest(fd.get(), path_);
        toml::table table;
        try {
            table = toml::parse(text, path_);
        } catch (const toml::parse_error &e) {
            throw Error(at(e.source()) + ": " + std::string(e.description()) +
                        "; fix the TOML syntax (see fleche(1), CONFIGURATION)");
        }
        for (auto &&[key, node] : table)
            top_level(layer, key, node);
        return layer;
    }

  private:
    std::string at(const toml::source_region &where) const {
        return path_ + ":" + std::to_string(where.begin.line) + ":" +
               std::to_string(where.begin.column);
    }

    [[noreturn]] void unknown(const toml::key &key, const std::string &name,
                              std::span<const KeyInfo> allowed, const std::string &section) {
        std::string list;
        std::string prefix = name.substr(0, name.find('.') + 1);
        for (const auto &k : allowed)
            if (k.in_files && k.name.starts_with(prefix))
                list +=
                    (list.empty() ? "" : ", ") + std::string(k.name.substr(k.name.find('.') + 1));
        throw Error(at(key.source()) + ": unknown key '" + name + "'; " + section +
                    " allows: " + list);
    }

    void top_level(FileLayer &layer, const toml::key &key, toml::node &node) {
        std::string name(key.str());
        if (name == "root") {
            if (!node.is_boolean())
                throw Error(at(node.source()) + ": root must be true or false");
            layer.root = node.as_boolean()->get();
        } else if ((name == "store" || name == "run" || name == "remote") && node.is_table()) {
            for (auto &&[sub, value] : *node.as_table())
                setting(layer, name + "." + std::string(sub.str()), sub, value);
        } else if (name == "rule" && node.is_array_of_tables()) {
            for (auto &&element : *node.as_array())
                layer.rules.push_back(rule(*element.as_table()));
        } else {
            throw Error(at(key.source()) + ": unknown key '" + name +
                        "'; allowed at the top: root, [store], [run], [remote], [[rule]]");
        }
    }

    void setting(FileLayer &layer, const std::string &name, const toml::key &key,
                 toml::node &node) {
        const KeyInfo *info = find_key(setting_keys(), name);
        if (!info || !info->in_files)
            unknown(key, name, setting_keys(), "[" + name.substr(0, name.find('.')) + "]");
        layer.settings.emplace_back(name, parse(*info, node));
    }

    Rule rule(toml::table &table) {
        Rule rule;
        rule.source = path_ + ":" + std::to_string(table.source().begin.line);
        for (auto &&[key, node] : table) {
            std::string name = "rule." + std::string(key.str());
            const KeyInfo *info = find_key(rule_keys(), name);
            if (!info)
                unknown(key, name, rule_keys(), "[[rule]]");
            Setting value = parse(*info, node);
            if (auto *list = std::get_if<std::vector<std::string>>(&value.value))
                list_of(rule, name) = *list;
            else if (auto *flag = std::get_if<bool>(&value.value))
                flag_of(rule, name) = *flag;
            else
                text_of(rule, name) = std::get<std::string>(value.value);
        }
        if (rule.match.empty() && rule.name.empty())
            throw Error(at(table.source()) +
                        ": a [[rule]] needs match (tool names) or name (--name labels)");
        return rule;
    }

    static std::vector<std::string> &list_of(Rule &rule, const std::string &name) {
        if (name == "rule.match")
            return rule.match;
        if (name == "rule.name")
            return rule.name;
        if (name == "rule.inputs")
            return rule.inputs;
        if (name == "rule.outputs")
            return rule.outputs;
        if (name == "rule.env")
            return rule.env;
        if (name == "rule.ignore_args")
            return rule.ignore_args;
        if (name == "rule.trace_ignore")
            return rule.trace_ignore;
        return rule.require_env;
    }

    static std::optional<bool> &flag_of(Rule &rule, const std::string &name) {
        if (name == "rule.key_cwd")
            return rule.key_cwd;
        return name == "rule.trace" ? rule.trace : rule.env_all;
    }

    static std::optional<std::string> &text_of(Rule &rule, const std::string &name) {
        if (name == "rule.salt")
            return rule.salt;
        return name == "rule.tool" ? rule.tool : rule.base_dir;
    }

    std::string resolved(const std::string &path) const {
        return (std::filesystem::path(dir_) / path).lexically_normal().string();
    }

    // "." names the file's folder, without the "/" that lexically_normal leaves.
    std::string resolved_dir(const std::string &path) const {
        std::string dir = resolved(path);
        while (dir.size() > 1 && dir.back() == '/')
            dir.pop_back();
        return dir;
    }

    // The parse switch for TOML values; strings go on to parse_text().
    Setting parse(const KeyInfo &key, toml::node &node) {
        std::string where = at(node.source()) + ": " + std::string(key.name);
        Setting setting;
        setting.source = path_ + ":" + std::to_string(node.source().begin.line);
        bool numeric =
            key.type == Type::size || key.type == Type::duration || key.type == Type::integer;
        if (key.type == Type::boolean && node.is_boolean()) {
            setting.value = node.as_boolean()->get();
        } else if (numeric && node.is_integer()) {
            setting.text = std::to_string(node.as_integer()->get());
            setting.value = parse_text(key, setting.text, where);
        } else if (scalar_text(key.type) && node.is_string()) {
            setting.text = node.as_string()->get();
            if (key.type == Type::path)
                setting.text = resolved_dir(setting.text);
            setting.value = parse_text(key, setting.text, where);
        } else if (is_list(key.type) && node.is_string()) {
            // One string is a list of one: match = "gcc" means ["gcc"].
            setting.value = std::vector<std::string>{element_of(key, node)};
        } else if (is_list(key.type) && node.is_array()) {
            std::vector<std::string> list;
            for (auto &&element : *node.as_array()) {
                if (!element.is_string())
                    throw Error(at(element.source()) + ": " + std::string(key.name) + " takes " +
                                allowed_values(key.type) + "; this element is not a string");
                list.push_back(element_of(key, element));
            }
            setting.value = std::move(list);
        } else {
            throw Error(where + " takes " + allowed_values(key.type) + ", not " +
                        type_name(node.type()));
        }
        return setting;
    }

    // A string of a list-valued key, resolved when it is a path.
    std::string element_of(const KeyInfo &key, toml::node &node) const {
        std::string text(node.as_string()->get());
        if (key.type != Type::paths)
            return text;
        // "glob:" stays in front of the resolved path
        return map_spec_path(text, [this](const std::string &p) { return resolved(p); });
    }

    static bool is_list(Type type) { return type == Type::texts || type == Type::paths; }

    static bool scalar_text(Type type) {
        return type == Type::text || type == Type::path || type == Type::size ||
               type == Type::duration || type == Type::tool || type == Type::umask ||
               type == Type::url;
    }

    static std::string type_name(toml::node_type type) {
        switch (type) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        default:
            return "a date or time";
        }
    }

    std::string path_;
    std::string dir_;
};

} // namespace

FileLayer read_file(const std::string &path) {
    return FileReader(path).read();
}

} // namespace fleche::config
