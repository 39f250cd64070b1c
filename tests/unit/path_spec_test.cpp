#include "scratch_dir.hpp"
#include "util/path_spec.hpp"

#include <doctest/doctest.h>

using namespace fleche;

TEST_CASE("a spec that names an existing path is that path, whatever its characters") {
    ScratchDir dir;
    dir.write("data[1].txt", "");
    dir.write("data1.txt", "");
    SpecPaths literal = expand_spec("data[1].txt");
    CHECK_FALSE(literal.glob);
    CHECK(literal.paths == std::vector<std::string>{"data[1].txt"});
    SpecPaths forced = expand_spec("glob:data[1].txt");
    CHECK(forced.glob);
    CHECK(forced.paths == std::vector<std::string>{"data1.txt"});
    SpecPaths pattern = expand_spec("data?.txt");
    CHECK(pattern.glob);
    CHECK(pattern.paths == std::vector<std::string>{"data1.txt"});
    SpecPaths missing = expand_spec("nothing.txt");
    CHECK_FALSE(missing.glob);
    CHECK(missing.paths == std::vector<std::string>{"nothing.txt"});
    CHECK(expand_spec("glob:nothing*").paths.empty());
}

TEST_CASE("glob: stays in front of a spec whose path is changed") {
    auto under_d = [](const std::string &p) { return "/d/" + p; };
    CHECK(map_spec_path("glob:*.c", under_d) == "glob:/d/*.c");
    CHECK(map_spec_path("x.c", under_d) == "/d/x.c");
    CHECK(spec_pattern("glob:a") == "a");
    CHECK(spec_pattern("a") == "a");
}
