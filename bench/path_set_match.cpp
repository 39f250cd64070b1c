// The cost of matching a traced key's path set on a warm hit, before
// `run --trace` exists: records a path set of 300 paths as a compile's would
// be (headers of /usr/include read, names probed in vain along an include
// path), then matches it N times with a stat cache read back from its file,
// as the next run would:
//   build/fleche_bench_path_set [N]
//   strace -c -f build/fleche_bench_path_set 1000     (system calls per match)
// Prints the paths, µs per match (wall and CPU) and stats per match.
#include "key/path_set.hpp"
#include "store/stat_cache.hpp"
#include "util/clock.hpp"
#include "util/fs.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace fleche;
namespace fs = std::filesystem;

// 200 headers read, and 100 names missing from 20 directories (gcc -I dirs
// probed before the one that has the header).
key::TracedPaths compile_like_inputs() {
    key::TracedPaths traced;
    std::vector<std::string> headers, dirs;
    for (const auto &entry : fs::recursive_directory_iterator("/usr/include")) {
        if (entry.is_regular_file() && entry.path().extension() == ".h")
            headers.push_back(entry.path().string());
        else if (entry.is_directory())
            dirs.push_back(entry.path().string());
    }
    std::sort(headers.begin(), headers.end());
    std::sort(dirs.begin(), dirs.end());
    headers.resize(std::min<size_t>(headers.size(), 200));
    dirs.resize(std::min<size_t>(dirs.size(), 20));
    for (const auto &header : headers)
        traced.inputs.push_back({header, false});
    for (const auto &dir : dirs)
        for (int i = 0; i < 5; ++i)
            traced.inputs.push_back(
                {dir + "/fleche-bench-absent-" + std::to_string(i) + ".h", false});
    std::sort(traced.inputs.begin(), traced.inputs.end(),
              [](const auto &a, const auto &b) { return a.path < b.path; });
    return traced;
}

// On a loaded machine the wall clock says more of the others than of us.
int64_t cpu_ns() {
    timespec ts;
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

int main(int argc, char **argv) {
    int matches = argc > 1 ? std::atoi(argv[1]) : 10000;
    std::string store = fs::temp_directory_path().string() + "/fleche-bench-path-set";
    fs::remove_all(store);
    make_directories(store + "/tmp");
    key::PathKeying keying{fs::current_path().string(), std::nullopt};
    store::PathSet set;
    {
        store::StatCache cache(store);
        key::FileHasher hasher(&cache);
        auto built = build_path_set(compile_like_inputs(), keying, now_ns(), hasher);
        if (!built.refusal.empty()) {
            std::fprintf(stderr, "refused: %s\n", built.refusal.c_str());
            return 1;
        }
        set = std::move(built.set);
        cache.flush();
    }
    store::StatCache cache(store);
    key::FileHasher hasher(&cache);
    uint64_t stats = key::path_set_stat_count();
    int64_t start = now_ns(), cpu_start = cpu_ns();
    for (int i = 0; i < matches; ++i)
        if (auto difference = first_difference(set, keying, hasher)) {
            std::fprintf(stderr, "difference: %s\n", difference->c_str());
            return 1;
        }
    int64_t elapsed = now_ns() - start, cpu = cpu_ns() - cpu_start;
    std::printf("%zu paths, %d matches: %.2f us per match (%.2f us of CPU), %.1f stats per match\n",
                set.paths.size(), matches, double(elapsed) / 1000.0 / matches,
                double(cpu) / 1000.0 / matches,
                double(key::path_set_stat_count() - stats) / matches);
    fs::remove_all(store);
    return 0;
}
