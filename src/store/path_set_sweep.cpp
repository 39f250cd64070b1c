#include "store/path_set_sweep.hpp"

#include "store/key_lock.hpp"
#include "store/local_storage.hpp"
#include "store/path_set_list.hpp"
#include "util/error.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::store {

namespace {

std::vector<std::string> names_in(const std::string &dir) {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (e->d_name[0] != '.')
                names.emplace_back(e->d_name);
        ::closedir(d);
    }
    return names;
}

bool names_kept_entry(Store &store, const std::string &k1,
                      const std::function<bool(const std::string &)> &kept) {
    auto list = LocalStorage(store).get_path_sets(k1); // opened as every store file is
    return list && std::any_of(list->items.begin(), list->items.end(),
                               [&](const PathSetItem &item) { return kept(item.key); });
}

} // namespace

PathSetSweep sweep_path_sets(Store &store, const std::function<bool(const std::string &)> &kept,
                             int64_t since_ns, bool dry_run) {
    PathSetSweep sweep;
    std::string root = store.dir() + "/path-sets";
    for (const auto &shard : names_in(root)) {
        std::string dir = root + "/" + shard;
        for (const auto &rest : names_in(dir)) {
            std::string k1 = shard + rest, path = dir + "/" + rest;
            struct stat st;
            if (!is_hex_digest(k1) || ::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            int64_t mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
            if (mtime_ns >= since_ns || names_kept_entry(store, k1, kept))
                continue;
            if (!dry_run) {
                std::optional<KeyLock> lock;
                try {
                    lock = KeyLock::try_lock(store.lock_path(k1));
                } catch (const Error &) {
                }
                if (!lock || ::unlink(path.c_str()) != 0)
                    continue;
            }
            ++sweep.lists;
            sweep.bytes += static_cast<uint64_t>(st.st_blocks) * 512;
        }
        if (!dry_run)
            ::rmdir(dir.c_str()); // only when empty
    }
    return sweep;
}

} // namespace fleche::store
