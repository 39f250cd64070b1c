#include "key/relocation.hpp"
#include "scratch_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

using fleche::key::Relocation;

namespace {

// Sets $PWD for one scope (Relocation reads it as the shell's name of cwd).
class PwdAs {
  public:
    explicit PwdAs(const std::string &value) {
        if (const char *old = std::getenv("PWD"))
            old_ = old;
        ::setenv("PWD", value.c_str(), 1);
    }
    ~PwdAs() {
        if (old_)
            ::setenv("PWD", old_->c_str(), 1);
        else
            ::unsetenv("PWD");
    }

  private:
    std::optional<std::string> old_;
};

} // namespace

TEST_CASE("arguments beneath the base directory are keyed relative to cwd, alone or joined") {
    ScratchDir dir;
    dir.write("ck/src/a.c", "");
    std::filesystem::create_directories("ck/build");
    std::string ck = dir.path().string() + "/ck";
    std::filesystem::current_path("ck/build");
    PwdAs pwd("/nowhere");
    auto relocation = Relocation::make(ck);
    REQUIRE(relocation);
    CHECK(relocation->argument(ck + "/src/a.c") == "../src/a.c");
    CHECK(relocation->argument("-I" + ck + "/inc") == "-I../inc");
    CHECK(relocation->argument("-isystem" + ck + "/sys/") == "-isystem../sys/");
    CHECK(relocation->argument("--out=" + ck + "/build/x.o") == "--out=x.o");
    CHECK(relocation->argument("-DROOT=" + ck) == "-DROOT=..");
    CHECK(relocation->argument(ck + "/build") == ".");
    CHECK(relocation->argument(ck + "/build/../src/./a.c") == "../src/a.c");
    // Not beneath it, not a path, or not after an option prefix.
    CHECK(relocation->argument(ck + "2/src/a.c") == ck + "2/src/a.c");
    CHECK(relocation->argument("/usr/include") == "/usr/include");
    CHECK(relocation->argument("src/a.c") == "src/a.c");
    CHECK(relocation->argument("-Wl,-rpath," + ck + "/lib") == "-Wl,-rpath," + ck + "/lib");
    CHECK(relocation->argument("x=" + ck) == "x=" + ck);
    CHECK(relocation->argument("-") == "-");
    CHECK(relocation->argument("") == "");
}

TEST_CASE("no relocation unless cwd is beneath the base directory") {
    ScratchDir dir;
    std::filesystem::create_directories("ck/build");
    std::filesystem::create_directories("other");
    std::string ck = dir.path().string() + "/ck";
    PwdAs pwd("/nowhere");
    std::filesystem::current_path("other");
    CHECK_FALSE(Relocation::make(ck));
    CHECK_FALSE(Relocation::make(std::nullopt));
    CHECK_FALSE(Relocation::make(dir.path().string() + "/missing"));
    std::filesystem::current_path(dir.path());
    CHECK_FALSE(Relocation::make(ck));
}

TEST_CASE("input specs keep their glob and stay themselves past a symbolic link") {
    ScratchDir dir;
    dir.write("ck/src/a.c", "");
    dir.write("elsewhere/b/keep", "");
    std::filesystem::create_directories("ck/build");
    std::filesystem::create_symlink(dir.path() / "elsewhere/b", "ck/linked");
    std::string ck = dir.path().string() + "/ck";
    {
        std::filesystem::current_path("ck/build");
        PwdAs pwd(ck + "/build");
        auto relocation = Relocation::make(ck);
        REQUIRE(relocation);
        CHECK(relocation->spec(ck + "/src/a.c") == "../src/a.c");
        CHECK(relocation->spec("glob:" + ck + "/src/*.c") == "glob:../src/*.c");
        CHECK(relocation->spec(ck + "/src/**/*.h") == "../src/**/*.h");
        CHECK(relocation->spec(ck + "/build/*.o") == "*.o");
        CHECK(relocation->spec(ck + "/src/missing.h") == "../src/missing.h");
        CHECK(relocation->spec("src/a.c") == "src/a.c");
        CHECK(relocation->spec("/usr/include/stdio.h") == "/usr/include/stdio.h");
    }
    // cwd reached through a link: ".." from it is not ck, so the spec stays
    // absolute (the argument, which is only a word, is still relative).
    std::filesystem::current_path(dir.path() / "elsewhere/b");
    PwdAs pwd(ck + "/linked");
    auto relocation = Relocation::make(ck);
    REQUIRE(relocation);
    CHECK(relocation->spec(ck + "/src/a.c") == ck + "/src/a.c");
    CHECK(relocation->spec(ck + "/linked/keep") == "keep");
    CHECK(relocation->argument(ck + "/src/a.c") == "../src/a.c");
}
