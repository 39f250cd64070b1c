#include "key/key_diff.hpp"

#include <doctest/doctest.h>

using namespace fleche::key;

namespace {

KeyRecord base() {
    KeyRecord r;
    r.argv = {"sim", "--steps=3", "--dt=0.1"};
    r.tool = {std::string(64, 'a')};
    r.env = {{"OMP_NUM_THREADS", "4"}, {"GONE", std::nullopt}};
    r.inputs = {{"data/mesh.vtk", InputKind::file, std::string(64, 'b')},
                {"later", InputKind::missing, ""},
                {"run.sh", InputKind::file, std::string(64, 'c')}};
    r.salt = "v1";
    r.canonicalize();
    return r;
}

} // namespace

TEST_CASE("equal records have no differences") {
    CHECK(diff_records(base(), base(), "/usr/bin/sim").empty());
}

TEST_CASE("every kind of difference is named, element by element") {
    KeyRecord now = base();
    now.argv[2] = "--dt=0.05";
    now.argv.push_back("-q");
    now.tool[0] = std::string(64, 'd');
    now.env = {{"OMP_NUM_THREADS", "8"}, {"NEW", ""}};
    now.inputs = {{"data/mesh.vtk", InputKind::file, std::string(64, 'e')},
                  {"later", InputKind::file, std::string(64, 'f')},
                  {"run.sh", InputKind::executable, std::string(64, 'c')},
                  {"x", InputKind::missing, ""}};
    now.stdin_digest = std::string(64, '0');
    now.salt = "v2";
    now.outputs = {"out"};
    now.canonicalize();
    std::vector<std::string> want = {
        "argv[2]: \"--dt=0.1\" -> \"--dt=0.05\"",
        "argv[3]: added \"-q\"",
        "tool /usr/bin/sim: executable changed",
        "env GONE: no longer in the key (was unset)",
        "env NEW: now in the key (\"\")",
        "env OMP_NUM_THREADS: \"4\" -> \"8\"",
        "input data/mesh.vtk: content changed",
        "input later: appeared",
        "input run.sh: became executable",
        "input x: newly declared",
        "stdin: now in the key",
        "salt: \"v1\" -> \"v2\"",
        "output out: newly declared",
    };
    CHECK(diff_records(base(), now, "/usr/bin/sim") == want);
}

TEST_CASE("vanished inputs, removed arguments and changed interpreters") {
    KeyRecord now = base();
    now.argv.pop_back();
    now.tool.push_back(std::string(64, '9'));
    now.inputs[0].kind = InputKind::missing;
    now.inputs[0].digest.clear();
    now.salt.reset();
    std::vector<std::string> want = {
        "argv[2]: removed \"--dt=0.1\"",
        "tool ./s: interpreter changed",
        "input data/mesh.vtk: vanished",
        "salt: removed \"v1\"",
    };
    CHECK(diff_records(base(), now, "./s") == want);
}
