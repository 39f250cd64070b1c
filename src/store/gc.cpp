#include "store/gc.hpp"

#include "store/hit_log.hpp"

#include "util/clock.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <unordered_map>
#include <unordered_set>

namespace fleche::store {

std::vector<size_t> plan_eviction(const std::vector<EntryRef> &entries,
                                  const std::function<uint64_t(const std::string &)> &blob_size,
                                  const Limits &limits, int64_t now_ns) {
    std::vector<size_t> evicted;
    std::unordered_set<std::string> kept_blobs;
    uint64_t kept_bytes = 0, kept_count = 0;
    bool full = false; // once an entry does not fit, every older one goes too
    for (size_t i = 0; i < entries.size(); ++i) {
        const EntryRef &entry = entries[i];
        if (full) { // the rest of a large store: no need to weigh each entry
            evicted.push_back(i);
            continue;
        }
        uint64_t extra = 0;
        std::unordered_set<std::string> counted;
        for (const auto &blob : entry.blobs)
            if (!kept_blobs.count(blob) && counted.insert(blob).second)
                extra += blob_size(blob);
        full = full || (limits.max_entries && kept_count >= *limits.max_entries) ||
               (limits.max_size && kept_bytes + extra > *limits.max_size);
        bool too_old = limits.max_age_ns && entry.last_use_ns < now_ns - *limits.max_age_ns;
        if (full || too_old) {
            evicted.push_back(i);
            continue;
        }
        kept_blobs.insert(entry.blobs.begin(), entry.blobs.end());
        kept_bytes += extra;
        ++kept_count;
    }
    return evicted;
}

namespace {

std::vector<EntryRef> evict(Store &store, std::vector<EntryRef> entries,
                            const std::vector<size_t> &plan, bool dry_run, int64_t now,
                            const Report &verbose) {
    std::vector<std::pair<std::string, int64_t>> chosen;
    for (size_t i : plan)
        chosen.emplace_back(entries[i].key, entries[i].last_use_ns);
    std::vector<std::string> removed;
    if (dry_run) {
        for (const auto &[key, last_use] : chosen)
            removed.push_back(key);
    } else if (!chosen.empty()) {
        removed = store.index().remove_unused(chosen);
        for (const auto &key : removed)
            store.entries().remove(key); // until gc removes the file first (remove_entry)
    }
    std::unordered_set<std::string> gone(removed.begin(), removed.end());
    std::vector<EntryRef> kept;
    kept.reserve(entries.size() - gone.size());
    for (auto &entry : entries) {
        if (!gone.count(entry.key)) {
            kept.push_back(std::move(entry));
        } else if (verbose) {
            verbose(std::string(dry_run ? "would remove" : "removed") + " entry " +
                    entry.key.substr(0, 12) + " (last used " +
                    format_duration(now - entry.last_use_ns) +
                    " ago): " + printable(entry.command));
        }
    }
    return kept;
}

void sweep_orphans(const Store &store, const std::vector<EntryRef> &kept, bool dry_run, int64_t now,
                   GcResult &result, const Report &verbose) {
    std::unordered_set<std::string> referenced;
    for (const auto &entry : kept)
        referenced.insert(entry.blobs.begin(), entry.blobs.end());
    for (const auto &blob : list_blob_files(store.dir())) {
        if (referenced.count(blob.digest)) {
            result.kept_bytes += blob.size;
            continue;
        }
        bool removed =
            dry_run ? blob.mtime_ns < now - blob_grace_ns : remove_orphan_blob(store, blob, now);
        if (!removed) {
            ++result.recent_blobs;
            result.kept_bytes += blob.size;
            continue;
        }
        ++result.blobs;
        result.blob_bytes += blob.size;
        if (verbose)
            verbose(std::string(dry_run ? "would remove" : "removed") + " blob " +
                    blob.digest.substr(0, 12) + " (" + format_size(blob.size) + ")");
    }
}

} // namespace

GcResult collect_garbage(Store &store, const Limits &limits, bool dry_run, const Report &verbose) {
    GcResult result;
    int64_t now = now_ns();
    if (!dry_run)
        HitLog(store.dir()).fold(store.index()); // last use must be current for LRU
    std::vector<EntryRef> entries = list_entries(store.index());
    if (limits.any()) {
        std::unordered_map<std::string, uint64_t> sizes;
        for (const auto &blob : list_blob_files(store.dir()))
            sizes.emplace(blob.digest, blob.size);
        auto plan = plan_eviction(
            entries, [&](const std::string &d) { return sizes.count(d) ? sizes[d] : 0; }, limits,
            now);
        size_t before = entries.size();
        entries = evict(store, std::move(entries), plan, dry_run, now, verbose);
        result.entries = before - entries.size();
    }
    // Entries stored while we evicted are not in `entries`: the blobs they
    // name are young (a commit renames, so even a blob stored again is), and
    // the grace period keeps them.
    result.kept_entries = entries.size();
    sweep_orphans(store, entries, dry_run, now, result, verbose);
    sweep_temps_and_locks(store, dry_run, now, result, verbose);
    return result;
}

} // namespace fleche::store
