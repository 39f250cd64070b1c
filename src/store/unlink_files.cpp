#include "store/unlink_files.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <unistd.h>

namespace fleche::store {

namespace {

constexpr size_t max_threads = 16;
constexpr size_t paths_per_thread = 8; // fewer: not worth a thread

} // namespace

std::vector<bool> unlink_files(const std::vector<std::string> &paths,
                               const std::function<void(size_t)> &after_each) {
    std::vector<char> removed(paths.size(), 0); // not vector<bool>: written by several threads
    std::atomic<size_t> next = 0;
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < paths.size();) {
            if (::unlink(paths[i].c_str()) != 0)
                continue;
            removed[i] = 1;
            if (after_each)
                after_each(i);
        }
    };
    size_t threads = std::min(max_threads, paths.size() / paths_per_thread);
    std::vector<std::thread> pool;
    try {
        for (size_t t = 1; t < threads; ++t)
            pool.emplace_back(work);
    } catch (const std::system_error &) {
        // no more threads: the ones started and this one do it all
    }
    work();
    for (auto &thread : pool)
        thread.join();
    return {removed.begin(), removed.end()};
}

} // namespace fleche::store
