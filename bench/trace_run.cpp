// Runs PROGRAM through exec::run_process, traced (1) or not (0), for the
// tracer's overhead under hyperfine, before `run --trace` exists:
//   hyperfine -N "build/fleche_bench_trace 0 /usr/bin/gcc gcc -c x.c"
//                "build/fleche_bench_trace 1 /usr/bin/gcc gcc -c x.c"
// With FLECHE_BENCH_SHOW set, says how many events were traced.
#include "exec/inherited.hpp"
#include "exec/runner.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    using namespace fleche::exec;
    if (argc < 4) {
        std::fprintf(stderr, "usage: fleche_bench_trace 0|1 PROGRAM ARGV0 [ARGS...]\n");
        return 2;
    }
    record_inherited();
    RunOptions options;
    options.trace = std::string(argv[1]) == "1";
    std::vector<std::string> args(argv + 3, argv + argc);
    auto r = run_process(
        argv[2], args, -1, [](fleche::store::Stream, const char *, size_t) {}, options);
    if (options.trace && std::getenv("FLECHE_BENCH_SHOW")) {
        if (r.trace)
            std::fprintf(
                stderr, "%zu events%s%s\n", r.trace->events.size(),
                r.trace->incomplete.empty() ? "" : ", incomplete: ", r.trace->incomplete.c_str());
        else
            std::fprintf(stderr, "unavailable: %s\n", r.trace_unavailable.c_str());
    }
    return r.status();
}
