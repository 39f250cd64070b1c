#include "scratch_dir.hpp"
#include "util/glob.hpp"

#include <doctest/doctest.h>

using namespace fleche;

TEST_CASE("globs match within a component and ** across directories") {
    ScratchDir dir;
    dir.write("a.c", "");
    dir.write("b.h", "");
    dir.write("src/x.c", "");
    dir.write("src/deep/y.c", "");
    dir.write("src/.hidden.c", "");
    CHECK(expand_glob("*.c") == std::vector<std::string>{"a.c"});
    CHECK(expand_glob("src/*.c") == std::vector<std::string>{"src/x.c"});
    CHECK(expand_glob("**/*.c") == std::vector<std::string>{"a.c", "src/deep/y.c", "src/x.c"});
    CHECK(expand_glob("src/**") == std::vector<std::string>{"src/deep/y.c", "src/x.c"});
    CHECK(expand_glob("src/.*.c") == std::vector<std::string>{"src/.hidden.c"});
    CHECK(expand_glob("[ab].?") == std::vector<std::string>{"a.c", "b.h"});
    CHECK(expand_glob("nothing/*.c").empty());
    CHECK(has_glob_chars("a/**"));
    CHECK_FALSE(has_glob_chars("a/b.c"));
}

TEST_CASE("a backslash quotes in a glob, in wildcard components and plain ones") {
    ScratchDir dir;
    dir.write("a b/x[1].c", "");
    dir.write("a b/x1.c", "");
    CHECK(expand_glob("a\\ b/x\\[1\\].c") == std::vector<std::string>{"a b/x[1].c"});
    CHECK(expand_glob("a\\ b/x[1].c") == std::vector<std::string>{"a b/x1.c"});
}
