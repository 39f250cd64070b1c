// The tracer on real processes: what `sh`, a static binary and friends are
// seen to open, list, probe and write, and that nothing they do breaks.
#include "exec/runner.hpp"
#include "exec/trace_filter.hpp"
#include "exec/trace_paths.hpp"
#include "scratch_dir.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace fleche::exec;
using Call = TraceEvent::Call;
namespace fs = std::filesystem;

namespace {

struct Traced {
    RunResult result;
    std::string output;
    const Trace &trace() const { return *result.trace; }
};

Traced run(const std::vector<std::string> &argv, bool trace = true) {
    Traced out;
    RunOptions options;
    options.trace = trace;
    out.result = run_process(
        argv[0], argv, -1,
        [&](fleche::store::Stream, const char *data, size_t size) {
            out.output.append(data, size);
        },
        options);
    return out;
}

Traced sh(const std::string &script, bool trace = true) {
    return run({"/bin/sh", "-c", script}, trace);
}

bool has(const Trace &trace, Call call, const std::string &path) {
    return std::any_of(trace.events.begin(), trace.events.end(),
                       [&](const TraceEvent &e) { return e.call == call && e.path == path; });
}

const TraceEvent *find(const Trace &trace, Call call, const std::string &path) {
    for (const auto &e : trace.events)
        if (e.call == call && e.path == path)
            return &e;
    return nullptr;
}

// The cwd as the kernel names it (/tmp may be a symlink).
std::string here() {
    return fs::canonical(".").string();
}

std::string read_text(const std::string &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool have_gcc() {
    return std::system("gcc --version >/dev/null 2>&1") == 0;
}

// Compiles `source` into ./name; false when that failed.
bool build_c(const std::string &name, const std::string &source, bool static_link = false) {
    std::ofstream(name + ".c") << source;
    std::string cmd = "gcc -O1 -o " + name + " " + name + ".c" + (static_link ? " -static" : "");
    return std::system(cmd.c_str()) == 0;
}

template <class Done> bool wait_until(Done done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done())
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        else
            std::this_thread::yield();
    return true;
}

} // namespace

TEST_SUITE("tracer") {

    TEST_CASE("paths are cleaned lexically, keeping ..") {
        CHECK(lexically_clean("/a//b/./c/") == "/a/b/c");
        CHECK(lexically_clean("/a/../b") == "/a/../b");
        CHECK(lexically_clean("/") == "/");
        CHECK(lexically_clean("//.") == "/");
    }

    TEST_CASE("the filter stops file calls only, and never readlink unless asked") {
        auto plain = build_trace_filter({});
        auto with_readlink = build_trace_filter({.readlink = true});
        CHECK(with_readlink.size() == plain.size() + 2);
        CHECK(traced_call(SYS_openat) != nullptr);
        CHECK(traced_call(SYS_read) == nullptr);
        CHECK(traced_call(SYS_getdents64)->call == Call::list);
    }

    TEST_CASE("a shell's open, listing, probe and write are seen with absolute paths") {
        ScratchDir dir;
        dir.write("a", "A\n");
        dir.write("d/x", "");
        auto r = sh("cat a; ls d; test -e missing; echo x > out");
        REQUIRE(r.result.trace);
        CHECK(r.result.trace_unavailable.empty());
        CHECK(r.result.exit_code == 0);
        CHECK(r.output == "A\nx\n");
        const Trace &t = r.trace();
        CHECK(t.incomplete.empty());
        CHECK_FALSE(t.outlived);
        std::string cwd = here();
        const TraceEvent *open_a = find(t, Call::open, cwd + "/a");
        REQUIRE(open_a);
        CHECK((open_a->open_flags & O_ACCMODE) == O_RDONLY);
        CHECK(has(t, Call::list, cwd + "/d"));
        CHECK(has(t, Call::probe, cwd + "/missing"));
        const TraceEvent *open_out = find(t, Call::open, cwd + "/out");
        REQUIRE(open_out);
        CHECK((open_out->open_flags & O_ACCMODE) == O_WRONLY);
        CHECK((open_out->open_flags & O_CREAT));
        CHECK(read_text("out") == "x\n");
        for (const auto &e : t.events)
            CHECK(e.path.front() == '/');
    }

    TEST_CASE("relative paths after cd resolve against the new cwd") {
        ScratchDir dir;
        dir.write("sub/f", "in sub\n");
        auto r = sh("cd sub && cat f && cat ../sub/./f");
        REQUIRE(r.result.trace);
        CHECK(r.output == "in sub\nin sub\n");
        std::string cwd = here();
        CHECK(has(r.trace(), Call::probe, cwd + "/sub")); // the chdir
        CHECK(has(r.trace(), Call::open, cwd + "/sub/f"));
        CHECK(has(r.trace(), Call::open, cwd + "/sub/../sub/f"));
    }

    TEST_CASE("openat with a dirfd, fstat, a rename and a static binary") {
        if (!have_gcc())
            return;
        ScratchDir dir;
        dir.write("sub/f", "");
        REQUIRE(build_c("prog", R"(
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
int main(void) {
    int d = open("sub", O_RDONLY | O_DIRECTORY);
    if (d < 0 || openat(d, "f", O_RDONLY) < 0) return 1;
    struct stat st;
    if (fstatat(d, "", &st, AT_EMPTY_PATH) != 0) return 4;
    int w = openat(d, "new", O_WRONLY | O_CREAT, 0644);
    if (w < 0) return 2;
    return renameat(d, "new", AT_FDCWD, "renamed") == 0 ? 0 : 3;
}
)",
                        true));
        auto r = run({"./prog"});
        REQUIRE(r.result.trace);
        CHECK(r.result.exit_code == 0);
        std::string cwd = here();
        const Trace &t = r.trace();
        CHECK(has(t, Call::exec, cwd + "/prog"));
        CHECK(has(t, Call::open, cwd + "/sub"));
        CHECK(has(t, Call::open, cwd + "/sub/f"));
        CHECK(has(t, Call::open, cwd + "/sub/new"));
        const TraceEvent *rename = find(t, Call::rename, cwd + "/sub/new");
        REQUIRE(rename);
        CHECK(rename->path2 == cwd + "/renamed");
        CHECK(fs::exists("renamed"));
    }

    TEST_CASE("execve along PATH shows every failed candidate") {
        ScratchDir dir;
        fs::create_directory("empty");
        std::string cwd = here();
        // env searches with execvp (dash itself would stat the candidates).
        auto r = sh("PATH=" + cwd + "/nowhere:" + cwd + "/empty:/usr/bin:/bin /usr/bin/env uname");
        REQUIRE(r.result.trace);
        CHECK(r.result.exit_code == 0);
        CHECK_FALSE(r.output.empty());
        CHECK(has(r.trace(), Call::exec, cwd + "/nowhere/uname"));
        CHECK(has(r.trace(), Call::exec, cwd + "/empty/uname"));
        CHECK((has(r.trace(), Call::exec, "/usr/bin/uname") ||
               has(r.trace(), Call::exec, "/bin/uname")));
    }

    TEST_CASE("io_uring_setup fails with ENOSYS inside a traced run") {
        if (!have_gcc())
            return;
        ScratchDir dir;
        REQUIRE(build_c("uring", R"(
#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    long fd = syscall(SYS_io_uring_setup, 4, &p);
    return fd < 0 && errno == ENOSYS ? 0 : 1;
}
)"));
        auto r = run({"./uring"});
        REQUIRE(r.result.trace);
        CHECK(r.result.exit_code == 0);
    }

    TEST_CASE("a 32-bit or x32 system call makes the trace incomplete") {
        if (!have_gcc())
            return;
        ScratchDir dir;
        REQUIRE(build_c("abi", R"(
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (strcmp(argv[1], "i386") == 0) {
        long ret, nr = 20; /* getpid on i386 */
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
    } else {
        syscall(0x40000000 | SYS_getpid); /* ENOSYS where x32 is off */
    }
    return 0;
}
)"));
        auto i386 = run({"./abi", "i386"});
        REQUIRE(i386.result.trace);
        CHECK(i386.result.exit_code == 0);
        CHECK(i386.trace().incomplete == "a 32-bit system call (int 0x80)");
        auto x32 = run({"./abi", "x32"});
        REQUIRE(x32.result.trace);
        CHECK(x32.result.exit_code == 0);
        CHECK(x32.trace().incomplete == "an x32 system call");
    }

    TEST_CASE("strace runs normally under the tracer") {
        if (std::system("strace -V >/dev/null 2>&1") != 0)
            return;
        ScratchDir dir;
        dir.write("a", "seen\n");
        auto r = sh("strace -f -o strace.out cat a");
        REQUIRE(r.result.trace);
        CHECK(r.result.exit_code == 0);
        CHECK(r.output == "seen\n");
        CHECK(read_text("strace.out").find("openat(AT_FDCWD, \"a\"") != std::string::npos);
        CHECK(has(r.trace(), Call::open, here() + "/a"));
    }

    TEST_CASE("the untraced start is unchanged: no filter, no no_new_privs") {
        auto untraced = sh("grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status", false);
        CHECK_FALSE(untraced.result.trace);
        CHECK(untraced.result.trace_unavailable.empty());
        CHECK(untraced.output == "NoNewPrivs:\t0\nSeccomp:\t0\n");
        auto traced = sh("grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status");
        REQUIRE(traced.result.trace);
        CHECK(traced.output == "NoNewPrivs:\t1\nSeccomp:\t2\n");
    }

    TEST_CASE("a missing program fails as untraced, and its exec is seen") {
        ScratchDir dir;
        std::string missing = here() + "/no-such-program";
        CHECK_THROWS_AS(run({missing}), fleche::Error);
        try {
            run({missing});
        } catch (const fleche::Error &e) {
            CHECK(e.status() == fleche::exit_not_found);
        }
    }

    // Run by the next test inside a traced run: a traced start from there.
    TEST_CASE("(nested helper)") {
        const char *out = std::getenv("FLECHE_TRACER_NESTED_OUT");
        if (!out)
            return;
        auto r = run({"/bin/true"});
        std::ofstream(out) << (r.result.trace ? "traced" : r.result.trace_unavailable) << "\n"
                           << r.result.exit_code << "\n";
    }

    TEST_CASE("a traced start inside a traced run reports EBUSY and runs untraced") {
        ScratchDir dir;
        std::string self = fs::read_symlink("/proc/self/exe").string();
        std::string out = here() + "/nested.out";
        ::setenv("FLECHE_TRACER_NESTED_OUT", out.c_str(), 1);
        auto r = run({self, "--test-case=(nested helper)", "--no-intro", "--no-version"});
        ::unsetenv("FLECHE_TRACER_NESTED_OUT");
        REQUIRE(r.result.trace);
        CHECK(r.result.exit_code == 0);
        CHECK(read_text(out) ==
              "seccomp user notification refused: EBUSY (a traced fleche inside a "
              "traced fleche, or another seccomp supervisor)\n0\n");
        // The outer trace saw the inner command start.
        CHECK(has(r.trace(), Call::exec, "/bin/true"));
    }

    TEST_CASE("a process left behind is still answered after CMD exits") {
        ScratchDir dir;
        REQUIRE(::mkfifo("go", 0600) == 0);
        auto r = sh("(read x < go; echo late > late) </dev/null >/dev/null 2>&1 & echo started");
        REQUIRE(r.result.trace);
        CHECK(r.output == "started\n");
        CHECK(r.trace().outlived);
        CHECK_FALSE(fs::exists("late"));
        // Released only now: its open of `late` is answered by the responder.
        std::ofstream("go") << "go\n";
        CHECK(wait_until([] { return read_text("late") == "late\n"; }));
    }

} // TEST_SUITE
