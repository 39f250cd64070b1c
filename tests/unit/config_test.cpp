// Loading configuration: precedence, the walk upward, paths, and errors that
// name the file, line and column.
#include "config/config.hpp"
#include "config/trust.hpp"
#include "scratch_dir.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <map>
#include <sys/stat.h>
#include <unistd.h>

using namespace fleche::config;

namespace {

struct FakeEnvironment {
    std::map<std::string, std::string> vars;
    Environment function() const {
        return [this](const char *name) -> std::optional<std::string> {
            auto it = vars.find(name);
            return it == vars.end() ? std::nullopt : std::optional(it->second);
        };
    }
};

std::string error_of(const std::string &cwd, const FakeEnvironment &env) {
    try {
        load(cwd, env.function());
    } catch (const fleche::Error &e) {
        CHECK(e.status() == 125);
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("without files the defaults apply, and the store follows XDG_CACHE_HOME") {
    ScratchDir dir;
    dir.write("fleche.toml", "root = true\n");
    FakeEnvironment env{{{"XDG_CACHE_HOME", "/c"}, {"HOME", "/h"}}};
    Config config = load(dir.path().string(), env.function());
    CHECK(config.store_dir() == "/c/fleche");
    CHECK(config.get("store.dir").source == "default ($XDG_CACHE_HOME/fleche)");
    CHECK(config.compression() == 1);
    CHECK_FALSE(config.cache_failures());
    CHECK_FALSE(config.max_size());
    CHECK(config.tool().mode == fleche::key::ToolIdentity::Mode::content);
}

TEST_CASE("user config < farther fleche.toml < closer fleche.toml < variables") {
    ScratchDir dir;
    std::string top = dir.path().string();
    dir.write("xdg/fleche/config.toml",
              "[store]\nmax_size = \"1G\"\nmax_age = \"1d\"\ncompression = 5\n");
    dir.write("fleche.toml", "root = true\n[store]\nmax_size = \"2G\"\nmax_age = \"2d\"\n");
    dir.write("a/fleche.toml", "[store]\nmax_size = \"3G\"\n");
    FakeEnvironment env{{{"XDG_CONFIG_HOME", top + "/xdg"}, {"HOME", "/h"}}};
    Config config = load(top + "/a", env.function());
    CHECK(*config.max_size() == 3ull << 30);
    CHECK(config.get("store.max_size").source == top + "/a/fleche.toml:2");
    CHECK(*config.max_age_ns() == 2 * 86400 * 1000000000ll);
    CHECK(config.get("store.max_age").source == top + "/fleche.toml:4");
    CHECK(config.compression() == 5);
    CHECK(config.files == std::vector<std::string>{top + "/xdg/fleche/config.toml",
                                                   top + "/fleche.toml", top + "/a/fleche.toml"});
    env.vars["FLECHE_MAX_SIZE"] = "4G";
    config = load(top + "/a", env.function());
    CHECK(*config.max_size() == 4ull << 30);
    CHECK(config.get("store.max_size").source == "FLECHE_MAX_SIZE");
}

TEST_CASE("root = true stops the walk upward") {
    ScratchDir dir;
    std::string top = dir.path().string();
    dir.write("fleche.toml", "root = true\n[run]\ncache_failures = true\nenv = [\"A\"]\n");
    dir.write("a/fleche.toml", "root = true\n[run]\nenv = [\"B\"]\n");
    Config config = load(top + "/a", FakeEnvironment{}.function());
    CHECK(config.env() == std::vector<std::string>{"B"});
    CHECK_FALSE(config.cache_failures());
    config = load(top, FakeEnvironment{}.function());
    CHECK(config.cache_failures());
}

TEST_CASE("relative paths resolve against the file's own folder") {
    ScratchDir dir;
    std::string top = dir.path().string();
    dir.write("fleche.toml", "root = true\n[store]\ndir = \"cache\"\n"
                             "[[rule]]\nmatch = [\"cc\"]\ninputs = [\"include/*.h\", \"../x\"]\n");
    Config config = load(top + "/deep/er", FakeEnvironment{}.function());
    CHECK(config.store_dir() == top + "/cache");
    REQUIRE(config.rules.size() == 1);
    CHECK(config.rules[0].inputs ==
          std::vector<std::string>{top + "/include/*.h", dir.path().parent_path().string() + "/x"});
    CHECK(config.rules[0].source == top + "/fleche.toml:4");
}

TEST_CASE("rules of every file apply, the closest file's first; they match tool names or labels") {
    ScratchDir dir;
    std::string top = dir.path().string();
    dir.write("fleche.toml", "root = true\n[[rule]]\nmatch = [\"g*\"]\nsalt = \"far\"\n");
    dir.write("a/fleche.toml", "[[rule]]\nname = [\"nightly\"]\nsalt = \"near\"\n");
    Config config = load(top + "/a", FakeEnvironment{}.function());
    REQUIRE(config.rules.size() == 2);
    CHECK(*config.rules[0].salt == "near");
    CHECK(config.rules[1].applies_to("gcc", std::nullopt));
    CHECK_FALSE(config.rules[1].applies_to("cc", std::nullopt));
    CHECK(config.rules[0].applies_to("cc", std::string("nightly")));
    CHECK_FALSE(config.rules[0].applies_to("cc", std::nullopt));
}

TEST_CASE("errors name the file, line and column, and what is allowed") {
    ScratchDir dir;
    std::string file = dir.path().string() + "/fleche.toml";
    FakeEnvironment env;
    dir.write("fleche.toml", "root = true\n[store\n");
    CHECK(error_of(dir.path().string(), env).starts_with(file + ":2:7: "));
    dir.write("fleche.toml", "root = true\n[store]\nsise = 1\n");
    CHECK(error_of(dir.path().string(), env) ==
          file + ":3:1: unknown key 'store.sise'; [store] allows: dir, max_size, max_age, "
                 "compression, umask");
    dir.write("fleche.toml", "root = true\n[run]\ncache_failures = \"yes\"\n");
    CHECK(error_of(dir.path().string(), env) ==
          file + ":3:18: run.cache_failures takes true or false, not a string");
    dir.write("fleche.toml", "root = true\n[store]\nmax_age = \"3 days\"\n");
    CHECK(error_of(dir.path().string(), env)
              .starts_with(file + ":3:11: store.max_age: '3 days' is not a duration"));
    dir.write("fleche.toml", "root = true\n[run]\ntool = \"sha1\"\n");
    CHECK(error_of(dir.path().string(), env) ==
          file + ":3:8: run.tool is 'sha1'; allowed: \"content\", \"mtime\", \"version:CMD ARGS\" "
                 "or \"string:TEXT\"");
    dir.write("fleche.toml", "root = true\n[[rule]]\nsalt = \"x\"\n");
    CHECK(error_of(dir.path().string(), env).find("a [[rule]] needs match") != std::string::npos);
    dir.write("fleche.toml", "root = true\n[[rule]]\nmatch = [\"x\"]\ninputs = [1]\n");
    CHECK(
        error_of(dir.path().string(), env).starts_with(file + ":4:11: rule.inputs takes an array"));
}

TEST_CASE("every list-valued key also takes one string") {
    ScratchDir dir;
    std::string top = dir.path().string();
    dir.write("fleche.toml", "root = true\n[run]\nenv = \"A_*\"\n"
                             "[[rule]]\nmatch = \"gcc\"\nname = \"nightly\"\ninputs = \"src/*.c\"\n"
                             "outputs = \"out\"\nenv = \"CC\"\nignore_args = \"-j*\"\n"
                             "require_env = \"HOME\"\n");
    Config config = load(top, FakeEnvironment{}.function());
    CHECK(config.env() == std::vector<std::string>{"A_*"});
    REQUIRE(config.rules.size() == 1);
    const Rule &rule = config.rules[0];
    using List = std::vector<std::string>;
    CHECK(rule.match == List{"gcc"});
    CHECK(rule.name == List{"nightly"});
    CHECK(rule.inputs == List{top + "/src/*.c"});
    CHECK(rule.outputs == List{top + "/out"});
    CHECK(rule.env == List{"CC"});
    CHECK(rule.ignore_args == List{"-j*"});
    CHECK(rule.require_env == List{"HOME"});
    for (Type type : {Type::texts, Type::paths}) // what errors say a key takes
        CHECK(allowed_values(type).find(", or one") != std::string::npos);
}

TEST_CASE("a file that someone else could have written is ignored, and says why") {
    ScratchDir dir;
    std::string top = dir.path().string();
    dir.write("fleche.toml", "root = true\n[store]\ncompression = 3\n");
    dir.write("a/fleche.toml", "root = true\n[run]\ntool = \"version:touch marker\"\n");
    std::string near = top + "/a/fleche.toml";
    for (mode_t mode : {0666, 0664, 0646}) {
        CAPTURE(mode);
        REQUIRE(::chmod(near.c_str(), mode) == 0);
        Config config = load(top + "/a", FakeEnvironment{}.function());
        CHECK(config.files == std::vector<std::string>{top + "/fleche.toml"});
        REQUIRE(config.ignored.size() == 1);
        CHECK(config.ignored[0].first == near);
        CHECK(config.ignored[0].second.starts_with("it is writable by "));
        CHECK(config.tool().mode == fleche::key::ToolIdentity::Mode::content);
        CHECK(config.compression() == 3); // its root = true did not stop the walk
    }
    REQUIRE(::chmod(near.c_str(), 0644) == 0);
    Config config = load(top + "/a", FakeEnvironment{}.function());
    CHECK(config.ignored.empty());
    CHECK(config.tool().mode == fleche::key::ToolIdentity::Mode::version);

    if (::geteuid() == 0) { // only root can give a file away
        REQUIRE(::chown(near.c_str(), 65534, 65534) == 0);
        config = load(top + "/a", FakeEnvironment{}.function());
        REQUIRE(config.ignored.size() == 1);
        CHECK(config.ignored[0].second ==
              "it is owned by uid 65534, not by you or root (chown it to use it)");
    }
}

TEST_CASE("a file is trusted when its owner is the user or root and no one else may write it") {
    struct stat status {};
    status.st_mode = S_IFREG | 0644;
    status.st_uid = 1000;
    CHECK(distrust(status, 1000) == "");
    status.st_uid = 0;
    CHECK(distrust(status, 1000) == "");
    status.st_uid = 1001;
    CHECK(distrust(status, 1000) ==
          "it is owned by uid 1001, not by you or root (chown it to use it)");
    status.st_uid = 1000;
    status.st_mode = S_IFREG | 0664;
    CHECK(distrust(status, 1000) == "it is writable by its group (chmod g-w it to use it)");
    status.st_mode = S_IFREG | 0666;
    CHECK(distrust(status, 1000) == "it is writable by group and others (chmod go-w it to use it)");
}

TEST_CASE("an untrusted user config is ignored too") {
    ScratchDir dir;
    std::string top = dir.path().string();
    dir.write("fleche.toml", "root = true\n");
    dir.write("xdg/fleche/config.toml", "[store]\ncompression = 7\n");
    std::string user = top + "/xdg/fleche/config.toml";
    REQUIRE(::chmod(user.c_str(), 0606) == 0);
    Config config = load(top, FakeEnvironment{{{"XDG_CONFIG_HOME", top + "/xdg"}}}.function());
    CHECK(config.compression() == 1);
    REQUIRE(config.ignored.size() == 1);
    CHECK(config.ignored[0].first == user);
    CHECK(config.ignored[0].second == "it is writable by others (chmod o-w it to use it)");
}

TEST_CASE("variables are checked: a bad value names the variable") {
    ScratchDir dir;
    dir.write("fleche.toml", "root = true\n");
    CHECK(error_of(dir.path().string(), FakeEnvironment{{{"FLECHE_READONLY", "maybe"}}}) ==
          "FLECHE_READONLY is 'maybe'; allowed: 1 or 0 (also true/false, yes/no, on/off)");
    CHECK(error_of(dir.path().string(), FakeEnvironment{{{"FLECHE_MAX_SIZE", "lots"}}})
              .starts_with("FLECHE_MAX_SIZE: 'lots' is not a size"));
    Config config =
        load(dir.path().string(), FakeEnvironment{{{"FLECHE_READONLY", "1"}}}.function());
    CHECK(config.readonly());
    CHECK(config.get("run.readonly").source == "FLECHE_READONLY");
}

TEST_CASE("the repository's example fleche.toml loads and changes no default") {
    std::string example = std::string(FLECHE_SOURCE_DIR) + "/fleche.toml";
    FileLayer layer = read_file(example);
    CHECK_FALSE(layer.root);
    CHECK(layer.rules.empty());
    Config defaults, loaded;
    apply(loaded, layer);
    for (const auto &key : setting_keys())
        CHECK_MESSAGE(format_value(key, loaded.get(key.name)) ==
                          format_value(key, defaults.get(key.name)),
                      key.name);
}

TEST_CASE("the repository's example fleche.toml, uncommented, is valid") {
    // Every key documented in the example must parse once its '#' is removed.
    std::ifstream in(std::string(FLECHE_SOURCE_DIR) + "/fleche.toml");
    std::string line, text;
    while (std::getline(in, line)) {
        if (line.starts_with("# ") &&
            (line.find(" = ") != std::string::npos || line.starts_with("# [")))
            line = line.substr(2);
        else if (line.starts_with("# # "))
            line = line.substr(2);
        text += line + "\n";
    }
    ScratchDir dir;
    dir.write("fleche.toml", text);
    FileLayer layer = read_file(dir.path().string() + "/fleche.toml");
    CHECK(layer.root);
    REQUIRE(layer.rules.size() == 1);
    const Rule &rule = layer.rules[0];
    CHECK(rule.match.size() == 2);
    CHECK(rule.name.size() == 1);
    CHECK(rule.inputs.size() == 2);
    CHECK(rule.outputs.size() == 1);
    CHECK(rule.env.size() == 2);
    CHECK(rule.salt);
    CHECK(rule.tool);
    CHECK(rule.ignore_args.size() == 2);
    CHECK(rule.require_env.size() == 1);
    CHECK(rule.trace == true);
    CHECK(rule.env_all == false);
    CHECK(rule.key_cwd == true);
    CHECK(rule.base_dir == dir.path().string());
    CHECK(rule.trace_ignore.size() == 1);
    size_t file_keys = 0;
    for (const auto &key : setting_keys())
        file_keys += key.in_files;
    CHECK(layer.settings.size() == file_keys);
}

TEST_CASE("store.umask is an octal string of at most four digits, up to 0777") {
    const KeyInfo &key = *find_key(setting_keys(), "store.umask");
    CHECK(std::get<int64_t>(parse_text(key, "002", "umask")) == 02);
    CHECK(std::get<int64_t>(parse_text(key, "0027", "umask")) == 027);
    CHECK(std::get<int64_t>(parse_text(key, "777", "umask")) == 0777);
    for (const char *bad : {"", "8", "029", "01000", " 02", "-2", "+2", "0x2", "02 "})
        CHECK_THROWS_AS(parse_text(key, bad, "umask"), fleche::Error);
    ScratchDir dir;
    FakeEnvironment env;
    env.vars["FLECHE_UMASK"] = "002";
    Config config = load(dir.path().string(), env.function());
    CHECK(config.umask() == std::optional<mode_t>(02));
    CHECK(config.get("store.umask").source == "FLECHE_UMASK");
    CHECK(!load(dir.path().string(), FakeEnvironment{}.function()).umask());
}
