// fleche gc: trim the store to its limits and remove what nothing needs.
#include "store/gc.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "store/auto_gc.hpp"
#include "util/error.hpp"
#include "util/units.hpp"

#include <memory>
#include <unistd.h>

namespace fleche::cli {

using engine::configured_limits;
using engine::open_configured_store;

namespace {

struct GcOptions {
    std::string max_size, max_age;
    std::optional<int64_t> max_entries;
    bool dry_run = false, verbose = false, automatic = false, fold_hits = false;
};

// Flags override the configuration ([store] max_size and max_age, and
// FLECHE_MAX_SIZE / FLECHE_MAX_AGE).
store::Limits limits_of(const GcOptions &options) {
    store::Limits limits = configured_limits(config::load());
    if (!options.max_size.empty())
        limits.max_size = parse_size(options.max_size, "--max-size");
    if (!options.max_age.empty())
        limits.max_age_ns = parse_duration(options.max_age, "--max-age");
    if (options.max_entries)
        limits.max_entries = static_cast<uint64_t>(*options.max_entries);
    return limits;
}

std::string plural(size_t n, const std::string &word) {
    if (n != 1 && word.ends_with("y"))
        return std::to_string(n) + " " + word.substr(0, word.size() - 1) + "ies";
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string summary(const store::GcResult &r, bool dry_run) {
    std::string text =
        std::string(dry_run ? "would remove " : "removed ") + plural(r.entries, "entry") + ", " +
        plural(r.blobs, "blob") + " (" + format_size(r.blob_bytes) + "), " +
        plural(r.temps, "temporary file") + " (" + format_size(r.temp_bytes) + ") and " +
        plural(r.locks, "unused lock") + "; " + (dry_run ? "would free " : "freed ") +
        format_size(r.blob_bytes + r.temp_bytes) + "\n";
    text += std::string(dry_run ? "would keep " : "kept ") + plural(r.kept_entries, "entry") +
            " in " + format_size(r.kept_bytes) + " of blobs\n";
    if (r.store_bytes)
        text += "the store takes " + format_size(r.store_bytes) + " on disk\n";
    return text;
}

int gc(const GcOptions &options) {
    store::Limits limits = limits_of(options); // bad values: error before any change
    auto opened = open_configured_store();     // folds hits.log into the index
    store::Store &store = *opened;
    if (options.fold_hits)
        return 0;
    if (options.automatic) {
        Fd lock = store::try_lock_gc(store);
        if (lock)
            store::collect_garbage(store, store::auto_gc_limits(limits), false, nullptr);
        return 0;
    }
    Fd lock; // after an automatic gc in progress
    if (!options.dry_run)
        lock = store::lock_gc(store);
    store::Report verbose;
    if (options.verbose)
        verbose = [](const std::string &line) { write_all(STDOUT_FILENO, line + "\n"); };
    store::GcResult result = store::collect_garbage(store, limits, options.dry_run, verbose);
    return write_all(STDOUT_FILENO, summary(result, options.dry_run)) ? 0 : exit_failure;
}

} // namespace

Subcommand gc_command(const CommandWords &) {
    auto options = std::make_shared<GcOptions>();
    return {
        .name = "gc",
        .description = "Evict least recently used entries beyond the limits, then remove unused "
                       "files",
        .footer = "Limits default to [store] max_size and max_age (FLECHE_MAX_SIZE, "
                  "FLECHE_MAX_AGE).\nThe size is the whole store on disk, as `du -s -B1 STORE` "
                  "counts it: when gc\nreturns, the store is at most --max-size. Blobs, "
                  "temporary files and locks\nthat no entry or run uses are removed in any "
                  "case, at once: a run that is\nstoring is protected by a lock, not by age.\n",
        .options =
            {
                {.names = "--max-size",
                 .help = "Leave the store at most this large on disk (as 500M, 20G)",
                 .target = &options->max_size,
                 .type_name = "SIZE"},
                {.names = "--max-age",
                 .help = "Evict entries unused for this long (as 30d)",
                 .target = &options->max_age,
                 .type_name = "DURATION"},
                {.names = "--max-entries",
                 .help = "Keep at most this many entries",
                 .target = &options->max_entries,
                 .type_name = "N",
                 .non_negative = true},
                {.names = "--dry-run",
                 .help = "Say what would be removed, remove nothing",
                 .target = &options->dry_run},
                {.names = "-v,--verbose",
                 .help = "List every entry and file removed",
                 .target = &options->verbose},
                // started by run, see auto_gc.hpp
                {.names = "--auto", .help = "", .target = &options->automatic, .hidden = true},
                // started by a hit that finds hits.log large, see engine/run.cpp
                {.names = "--fold-hits", .help = "", .target = &options->fold_hits, .hidden = true},
            },
        .action = [options] { return gc(*options); }};
}

} // namespace fleche::cli
