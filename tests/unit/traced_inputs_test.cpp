// What a trace means for the key: synthetic event lists over real
// directories (the state at the end is what the files are now), then real
// traced processes, gcc and a shell.
#include "key/traced_inputs.hpp"

#include "exec/runner.hpp"
#include "scratch_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace fleche;
using namespace fleche::key;
using Call = exec::TraceEvent::Call;
namespace fs = std::filesystem;

namespace {

constexpr int created = O_WRONLY | O_CREAT | O_TRUNC;

exec::TraceEvent ev(Call call, std::string path, int flags = 0, std::string path2 = "") {
    exec::TraceEvent e;
    e.call = call;
    e.open_flags = flags;
    e.pid = 1;
    e.path = std::move(path);
    e.path2 = std::move(path2);
    return e;
}

exec::TraceEvent opened(std::string path, int flags = O_RDONLY) {
    return ev(Call::open, std::move(path), flags);
}

// A directory outside the working directory, removed at the end.
class OtherDir {
  public:
    OtherDir() {
        std::string templ = fs::temp_directory_path().string() + "/fleche-other.XXXXXX";
        path_ = fs::canonical(::mkdtemp(templ.data())).string();
    }
    ~OtherDir() { fs::remove_all(path_); }
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

// The scratch dir as the kernel names it (the temp dir may be a symlink).
struct Tree {
    ScratchDir dir;
    std::string cwd = fs::canonical(dir.path()).string();
    TraceScope scope{cwd, "", {}};

    std::string at(const std::string &relative) const { return cwd + "/" + relative; }
    TracedPaths classify(std::vector<exec::TraceEvent> events, bool outlived = false,
                         std::string incomplete = "") const {
        exec::Trace trace{std::move(events), std::move(incomplete), outlived};
        return classify_trace(trace, scope);
    }
};

std::vector<TracedInput> inputs(std::initializer_list<std::string> paths, bool listed = false) {
    std::vector<TracedInput> out;
    for (const auto &path : paths)
        out.push_back({path, listed});
    return out;
}

exec::RunResult run_traced(const std::vector<std::string> &argv) {
    exec::RunOptions options;
    options.trace = true;
    return exec::run_process(
        argv[0], argv, -1, [](store::Stream, const char *, size_t) {}, options);
}

bool is_cc_temporary(const std::string &path) {
    std::string tmp = fs::temp_directory_path().string();
    fs::path p(path);
    std::string name = p.filename().string();
    return (p.parent_path() == tmp || p.parent_path() == "/tmp") && name.starts_with("cc");
}

} // namespace

TEST_SUITE("traced_inputs") {

    TEST_CASE("what is only read, executed or probed is an input, sorted and once") {
        Tree t;
        t.dir.write("b.h", "");
        t.dir.write("a.c", "");
        auto r = t.classify({opened(t.at("b.h")), ev(Call::exec, "/bin/sh"),
                             ev(Call::probe, t.at("nowhere/a.h")), opened(t.at("a.c")),
                             opened(t.at("b.h")), ev(Call::probe, "/bin/sh")});
        CHECK(r.inputs == inputs({"/bin/sh", t.at("a.c"), t.at("b.h"), t.at("nowhere/a.h")}));
        CHECK(r.outputs.empty());
        CHECK(r.refusal.empty());
    }

    TEST_CASE("a temporary written, read and removed is neither input nor output") {
        Tree t;
        OtherDir tmp;
        std::string s = tmp.path() + "/cc1.s";
        auto r = t.classify({opened(s, created), opened(s), ev(Call::remove, s),
                             opened(t.at("inner.tmp"), created), opened(t.at("inner.tmp")),
                             ev(Call::remove, t.at("inner.tmp"))});
        CHECK(r.inputs.empty());
        CHECK(r.outputs.empty());
        CHECK(r.refusal.empty());
    }

    TEST_CASE("read and then written: refused, naming the file") {
        Tree t;
        t.dir.write("a", "changed");
        auto r = t.classify({opened(t.at("a")), opened(t.at("a"), created)});
        CHECK(r.refusal == "CMD read " + t.at("a") + " and then changed it: what it read is gone");
        CHECK(r.inputs == inputs({t.at("a")}));
        CHECK(r.outputs.empty());
        // Probed, read, then written: the read is what counts.
        auto probed = t.classify(
            {ev(Call::probe, t.at("a")), opened(t.at("a")), ev(Call::truncate, t.at("a"))});
        CHECK(probed.refusal == r.refusal);
    }

    TEST_CASE("opened read-write without O_CREAT: refused when it existed, missing when not") {
        Tree t;
        t.dir.write("db", "x");
        auto r = t.classify({opened(t.at("db"), O_RDWR)});
        CHECK(r.refusal == "CMD read " + t.at("db") + " and then changed it: what it read is gone");
        auto missing = t.classify({opened(t.at("absent"), O_RDWR), opened(t.at("gone"), O_WRONLY)});
        CHECK(missing.inputs == inputs({t.at("absent"), t.at("gone")}));
        CHECK(missing.refusal.empty());
        // With O_TRUNC the old content is not read: an output.
        auto truncated = t.classify({opened(t.at("db"), O_RDWR | O_TRUNC)});
        CHECK(truncated.outputs == std::vector<std::string>{"db"});
        CHECK(truncated.refusal.empty());
    }

    TEST_CASE("appended to, or written without truncating: what was there counts, refused") {
        Tree t;
        t.dir.write("log", "old\nnew\n");
        auto appended = t.classify({opened(t.at("log"), O_WRONLY | O_CREAT | O_APPEND)});
        CHECK(appended.refusal ==
              "CMD read " + t.at("log") + " and then changed it: what it read is gone");
        auto overwritten = t.classify({opened(t.at("log"), O_WRONLY | O_CREAT)});
        CHECK(overwritten.refusal == appended.refusal);
        // Created exclusively, or removed first: nothing was there before.
        auto fresh = t.classify({opened(t.at("log"), O_WRONLY | O_CREAT | O_EXCL)});
        CHECK(fresh.refusal.empty());
        CHECK(fresh.outputs == std::vector<std::string>{"log"});
        auto replaced = t.classify(
            {ev(Call::remove, t.at("log")), opened(t.at("log"), O_WRONLY | O_CREAT | O_APPEND)});
        CHECK(replaced.refusal.empty());
        CHECK(replaced.outputs == std::vector<std::string>{"log"});
    }

    TEST_CASE("probed and then written: an output only (ld stats its output first)") {
        Tree t;
        t.dir.write("x.o", "obj");
        auto r = t.classify({ev(Call::probe, t.at("x.o")), ev(Call::remove, t.at("x.o")),
                             opened(t.at("x.o"), created)});
        CHECK(r.inputs.empty());
        CHECK(r.outputs == std::vector<std::string>{"x.o"});
        CHECK(r.refusal.empty());
    }

    TEST_CASE("outputs are regular files still there beneath cwd, relative, sorted, once") {
        Tree t;
        t.dir.write("sub/y.o", "y");
        t.dir.write("x.o", "x");
        fs::create_directory(t.at("made"));
        fs::create_symlink("x.o", t.at("link"));
        auto r = t.classify({opened(t.at("sub/y.o"), created), opened(t.at("x.o"), created),
                             opened(t.at("sub/../x.o"), created), opened(t.at("x.o"), O_WRONLY),
                             ev(Call::mkdir, t.at("made")), opened(t.at("gone"), created),
                             ev(Call::symlink, "x.o", 0, t.at("link"))});
        CHECK(r.outputs == std::vector<std::string>{"sub/y.o", "x.o"});
        CHECK(r.inputs.empty());
        CHECK(r.refusal.empty());
    }

    TEST_CASE("written outside cwd and left there: refused; removed again: fine") {
        Tree t;
        OtherDir other;
        std::string left = other.path() + "/left";
        std::ofstream(left) << "x";
        auto r = t.classify({opened(left, created)});
        CHECK(r.refusal ==
              "CMD wrote " + left + " outside the working directory and left it there");
        CHECK(r.outputs.empty());
        auto fine = t.classify(
            {ev(Call::mkdir, other.path() + "/d"), opened(other.path() + "/d/f", created),
             ev(Call::remove, other.path() + "/d/f"), ev(Call::remove, other.path() + "/d")});
        CHECK(fine.refusal.empty());
        CHECK(fine.inputs.empty());
    }

    TEST_CASE("a symbolic link out of the tree does not make a file beneath it") {
        Tree t;
        OtherDir other;
        fs::create_directory_symlink(other.path(), t.at("out"));
        std::ofstream(other.path() + "/f") << "x";
        auto r = t.classify({opened(t.at("out/f"), created)});
        CHECK(r.outputs.empty());
        CHECK(r.refusal ==
              "CMD wrote " + t.at("out/f") + " outside the working directory and left it there");
        // And ".." after it leads out of the tree too.
        std::ofstream(t.at("g")) << "x"; // what d/../g would be lexically
        fs::create_directory(other.path() + "/d");
        fs::create_directory_symlink(other.path() + "/d", t.at("d"));
        std::ofstream(other.path() + "/g") << "x";
        auto dotdot = t.classify({opened(t.at("d/../g"), created)});
        CHECK(dotdot.outputs.empty());
        CHECK(dotdot.refusal ==
              "CMD wrote " + t.at("d/../g") + " outside the working directory and left it there");
    }

    TEST_CASE("mkdir -p asking for the directories above cwd is no write") {
        Tree t;
        fs::create_directory(t.at("build"));
        auto r = t.classify({ev(Call::mkdir, "/"), ev(Call::mkdir, fs::path(t.cwd).parent_path()),
                             ev(Call::mkdir, t.cwd), ev(Call::mkdir, t.at("build"))});
        CHECK(r.refusal.empty());
        CHECK(r.outputs.empty());
    }

    TEST_CASE("/proc, /sys, /dev, the store and trace_ignore globs are left out") {
        Tree t;
        OtherDir store, cache;
        t.scope.store_dir = store.path();
        t.scope.ignore = {cache.path() + "/**/*.pyc", "/nowhere/*"};
        std::ofstream(store.path() + "/entry") << "x";
        fs::create_directories(cache.path() + "/a/b");
        std::ofstream(cache.path() + "/a/b/m.pyc") << "x";
        auto r = t.classify(
            {opened("/proc/self/status"), opened("/dev/null", O_WRONLY), opened("/dev/tty", O_RDWR),
             ev(Call::probe, "/sys/kernel"), opened(store.path() + "/entry", created),
             opened(store.path() + "/index"), opened(cache.path() + "/a/b/m.pyc"),
             opened(cache.path() + "/a/b/m.pyc", created), ev(Call::probe, "/nowhere/x")});
        CHECK(r.inputs.empty());
        CHECK(r.outputs.empty());
        CHECK(r.refusal.empty());
        // Not matched: "*" stays within one name, ** crosses no hidden name.
        auto kept = t.classify({ev(Call::probe, "/nowhere/x/y"),
                                ev(Call::probe, cache.path() + "/.h/m.pyc"),
                                ev(Call::probe, cache.path() + "/m.py")});
        CHECK(kept.inputs ==
              inputs({"/nowhere/x/y", cache.path() + "/.h/m.pyc", cache.path() + "/m.py"}));
    }

    TEST_CASE(".git beneath cwd is never an output") {
        Tree t;
        t.dir.write(".git/index", "i");
        t.dir.write("sub/.git/config", "c");
        auto r = t.classify({opened(t.at(".git/index"), created),
                             opened(t.at("sub/.git/config"), created), opened(t.at(".git/HEAD"))});
        CHECK(r.outputs.empty());
        CHECK(r.refusal.empty());
        // What CMD read there is still an input: `git describe` must miss
        // after a commit.
        CHECK(r.inputs == inputs({t.at(".git/HEAD")}));
    }

    TEST_CASE("a listed directory is an input keyed by its listing") {
        Tree t;
        t.dir.write("data/a", "");
        auto r = t.classify({ev(Call::probe, t.at("data")), opened(t.at("data"), O_DIRECTORY),
                             ev(Call::list, t.at("data")), ev(Call::list, t.at("data")),
                             opened(t.at("data/a"))});
        CHECK(r.inputs == std::vector<TracedInput>{{t.at("data"), true}, {t.at("data/a"), false}});
        CHECK(r.refusal.empty());
    }

    TEST_CASE("a name created or removed in a listed directory after the listing: refused") {
        Tree t;
        t.dir.write("data/new", "");
        t.dir.write("data/old", "");
        auto created_after =
            t.classify({ev(Call::list, t.at("data")), opened(t.at("data/new"), created)});
        CHECK(created_after.refusal == "CMD listed " + t.at("data") +
                                           " and then created or removed " + t.at("data/new") +
                                           " in it: what it listed is gone");
        CHECK(created_after.inputs == std::vector<TracedInput>{{t.at("data"), true}});
        auto removed_after = t.classify({ev(Call::list, t.at("data")),
                                         ev(Call::rename, t.at("data/old"), 0, t.at("elsewhere"))});
        CHECK_FALSE(removed_after.refusal.empty());
        // Deeper down the listing does not change.
        t.dir.write("data/sub/f", "");
        auto deeper =
            t.classify({ev(Call::list, t.at("data")), opened(t.at("data/sub/f"), created)});
        CHECK(deeper.refusal.empty());
    }

    TEST_CASE("a name created in a directory before it is listed was seen: fine") {
        Tree t;
        t.dir.write("data/new", "n");
        auto r = t.classify({opened(t.at("data/new"), created), ev(Call::list, t.at("data"))});
        CHECK(r.refusal.empty());
        CHECK(r.inputs == std::vector<TracedInput>{{t.at("data"), true}});
        CHECK(r.outputs == std::vector<std::string>{"data/new"});
    }

    TEST_CASE("rename: the target is written, the source removed") {
        Tree t;
        t.dir.write("x.o", "x");
        t.dir.write("b", "was a");
        auto r = t.classify({opened(t.at("x.tmp"), created),
                             ev(Call::rename, t.at("x.tmp"), 0, t.at("x.o")),
                             ev(Call::rename, t.at("a"), 0, t.at("b"))});
        CHECK(r.outputs == std::vector<std::string>{"b", "x.o"});
        // `a` was there before and is gone: a replay cannot remove it, so the
        // path set asks for it missing.
        CHECK(r.inputs == inputs({t.at("a")}));
        CHECK(r.refusal.empty());
        // A directory renamed away with what CMD read in it: refused.
        t.dir.write("moved/f", "");
        auto dir = t.classify({opened(t.at("d/f")), ev(Call::rename, t.at("d"), 0, t.at("moved"))});
        CHECK(dir.refusal == "CMD read " + t.at("d/f") + " and then renamed " + t.at("d") +
                                 ", which held it: what it read is gone");
    }

    TEST_CASE("link and symlink create their second path") {
        Tree t;
        t.dir.write("a", "a");
        t.dir.write("hard", "a");
        fs::create_symlink("a", t.at("soft"));
        auto r = t.classify(
            {ev(Call::link, t.at("a"), 0, t.at("hard")), ev(Call::symlink, "a", 0, t.at("soft"))});
        CHECK(r.outputs == std::vector<std::string>{"hard"}); // a symbolic link is no regular file
        CHECK(r.inputs == inputs({t.at("a")}));
        CHECK(r.refusal.empty());
    }

    TEST_CASE("an incomplete trace or a process left running: refused, paths still given") {
        Tree t;
        t.dir.write("a", "");
        t.dir.write("out", "");
        std::vector<exec::TraceEvent> events{opened(t.at("a")), opened(t.at("out"), created)};
        auto incomplete = t.classify(events, true, "an x32 system call");
        CHECK(incomplete.refusal == "the trace is incomplete: an x32 system call");
        CHECK(incomplete.inputs == inputs({t.at("a")}));
        CHECK(incomplete.outputs == std::vector<std::string>{"out"});
        auto outlived = t.classify(events, true);
        CHECK(outlived.refusal == "a process CMD started was still running when it exited; what "
                                  "it did next is unseen");
        CHECK(outlived.outputs == std::vector<std::string>{"out"});
    }

    TEST_CASE("a real gcc -c: its sources, headers and lookups in, its object out") {
        if (std::system("gcc --version >/dev/null 2>&1") != 0) {
            MESSAGE("skipped: no gcc");
            return;
        }
        Tree t;
        t.dir.write("x.c", "#include \"x.h\"\n#include <stddef.h>\nint f(void) { return X; }\n");
        t.dir.write("x.h", "#define X 1\n");
        auto result = run_traced({"/usr/bin/gcc", "-c", "x.c", "-o", "x.o", "-I", "nowhere"});
        if (!result.trace) {
            MESSAGE("skipped: tracing unavailable: " << result.trace_unavailable);
            return;
        }
        REQUIRE(result.exit_code == 0);
        auto r = classify_trace(*result.trace, t.scope);
        CHECK(r.refusal.empty());
        CHECK(r.outputs == std::vector<std::string>{"x.o"});
        auto has = [&](const std::string &path) {
            return std::any_of(r.inputs.begin(), r.inputs.end(),
                               [&](const TracedInput &in) { return in.path == path; });
        };
        CHECK(has(t.at("x.c")));
        CHECK(has(t.at("x.h")));
        CHECK(has(t.at("nowhere"))); // gcc drops a missing -I directory: its absence is keyed
        size_t missing = 0, temporaries = 0;
        for (const auto &in : r.inputs) {
            missing += ::access(in.path.c_str(), F_OK) != 0;
            temporaries += is_cc_temporary(in.path);
        }
        CHECK(temporaries == 0);
        CHECK(missing > 0);
        CHECK(std::is_sorted(r.inputs.begin(), r.inputs.end(),
                             [](const auto &a, const auto &b) { return a.path < b.path; }));
        MESSAGE("gcc -c: " << result.trace->events.size() << " events, " << r.inputs.size()
                           << " inputs (" << missing << " missing), " << r.outputs.size()
                           << " outputs");
    }

    TEST_CASE("a real sh -c 'ls data > out': data listed, out an output") {
        Tree t;
        t.dir.write("data/a", "");
        t.dir.write("data/b", "");
        auto result = run_traced({"/bin/sh", "-c", "ls data > out"});
        if (!result.trace) {
            MESSAGE("skipped: tracing unavailable: " << result.trace_unavailable);
            return;
        }
        REQUIRE(result.exit_code == 0);
        auto r = classify_trace(*result.trace, t.scope);
        CHECK(r.refusal.empty());
        CHECK(r.outputs == std::vector<std::string>{"out"});
        auto data = std::find_if(r.inputs.begin(), r.inputs.end(),
                                 [&](const TracedInput &in) { return in.path == t.at("data"); });
        REQUIRE(data != r.inputs.end());
        CHECK(data->listed);
        CHECK(std::none_of(r.inputs.begin(), r.inputs.end(),
                           [&](const TracedInput &in) { return in.path == t.at("out"); }));
    }

} // TEST_SUITE
