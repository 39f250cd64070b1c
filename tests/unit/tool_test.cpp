// The tool's identity (key/tool.hpp): argv[0] found as execvp(3) would find
// it, and a #! script identified together with its interpreters, through
// "env" and "env -S" too.
#include "key/tool.hpp"
#include "scratch_dir.hpp"
#include "util/error.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <sys/stat.h>

using namespace fleche;
using namespace fleche::key;

namespace {

void write_file(ScratchDir &dir, const std::string &path, const std::string &content, mode_t mode) {
    dir.write(path, content);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string digest_of_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return sha256_hex(content.str());
}

int status_of(const std::function<void()> &call) {
    try {
        call();
    } catch (const Error &e) {
        return e.status();
    }
    return 0;
}

// Sets PATH for one test and puts the old value back.
class ScopedPath {
  public:
    explicit ScopedPath(const std::string &value) {
        if (const char *old = std::getenv("PATH"))
            old_ = old;
        ::setenv("PATH", value.c_str(), 1);
    }
    ~ScopedPath() { ::setenv("PATH", old_.c_str(), 1); }

  private:
    std::string old_;
};

} // namespace

TEST_CASE("a command name is searched along PATH, in order, as execvp does") {
    ScratchDir dir;
    write_file(dir, "one/tool", "#!/bin/sh\n", 0644); // not executable: skipped
    write_file(dir, "two/tool", "#!/bin/sh\n", 0755);
    write_file(dir, "three/tool", "#!/bin/sh\n", 0755);
    CHECK(resolve_executable("tool", "one:two:three") == "two/tool");
    CHECK(resolve_executable("tool", "three:two") == "three/tool");
    // An empty element is the working directory.
    write_file(dir, "here", "#!/bin/sh\n", 0755);
    CHECK(resolve_executable("here", "one::two") == "./here");
    // A name with a slash is taken as it is.
    CHECK(resolve_executable("two/tool", "") == "two/tool");
}

TEST_CASE("a command that is not there is 127; one that cannot run is 126") {
    ScratchDir dir;
    write_file(dir, "one/tool", "#!/bin/sh\n", 0644);
    CHECK(status_of([] { resolve_executable("nothing", "one"); }) == exit_not_found);
    CHECK(status_of([] { resolve_executable("tool", "one"); }) == exit_cannot_execute);
    CHECK(status_of([] { resolve_executable("./nothing", "one"); }) == exit_not_found);
    CHECK(status_of([] { resolve_executable("one/tool", ""); }) == exit_cannot_execute);
    CHECK(status_of([] { resolve_executable("", "one"); }) == exit_not_found);
}

TEST_CASE("a script is identified with its interpreter") {
    ScratchDir dir;
    std::string interp = (dir.path() / "bin/interp").string();
    write_file(dir, "bin/interp", "an interpreter\n", 0755);
    write_file(dir, "script", "#!" + interp + " -x\necho hi\n", 0755);
    FileHasher hasher;
    Tool tool = identify_tool("./script", {}, hasher);
    CHECK(tool.path == "./script");
    REQUIRE(tool.digests.size() == 2);
    CHECK(tool.digests[0] == digest_of_file("script"));
    CHECK(tool.digests[1] == sha256_hex("an interpreter\n"));
    // An upgraded interpreter at the same path is another tool.
    write_file(dir, "bin/interp", "an interpreter, version 2\n", 0755);
    CHECK(identify_tool("./script", {}, hasher).digests[1] ==
          sha256_hex("an interpreter, version 2\n"));
}

TEST_CASE("#!/usr/bin/env PROGRAM and env -S PROGRAM ARGS name the program found on PATH") {
    REQUIRE(::access("/usr/bin/env", X_OK) == 0);
    ScratchDir dir;
    std::string bin = (dir.path() / "bin").string();
    write_file(dir, "bin/prog", "the program\n", 0755);
    ScopedPath path(bin + ":/usr/bin:/bin");
    FileHasher hasher;
    for (std::string shebang : {"#!/usr/bin/env prog\n", "#!/usr/bin/env -S prog -u --fast\n",
                                "#! /usr/bin/env  -S  prog\n"}) {
        CAPTURE(shebang);
        write_file(dir, "script", shebang + "body\n", 0755);
        Tool tool = identify_tool("./script", {}, hasher);
        REQUIRE(tool.digests.size() == 3);
        CHECK(tool.digests[0] == digest_of_file("script"));
        CHECK(tool.digests[1] == digest_of_file("/usr/bin/env"));
        CHECK(tool.digests[2] == sha256_hex("the program\n"));
    }
}

TEST_CASE("interpreters nest: a program found through env may be a script itself") {
    ScratchDir dir;
    std::string bin = (dir.path() / "bin").string();
    write_file(dir, "bin/inner", "the inner interpreter\n", 0755);
    write_file(dir, "bin/prog", "#!" + bin + "/inner\n", 0755);
    ScopedPath path(bin + ":/usr/bin:/bin");
    write_file(dir, "script", "#!/usr/bin/env prog\n", 0755);
    FileHasher hasher;
    Tool tool = identify_tool("./script", {}, hasher);
    REQUIRE(tool.digests.size() == 4);
    CHECK(tool.digests[2] == digest_of_file(bin + "/prog"));
    CHECK(tool.digests[3] == sha256_hex("the inner interpreter\n"));
}
