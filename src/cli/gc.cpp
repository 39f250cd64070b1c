// fleche gc: trim the store to its limits and remove what nothing needs.
#include "store/gc.hpp"
#include "cli/commands.hpp"
#include "cli/configure.hpp"
#include "store/auto_gc.hpp"
#include "util/error.hpp"
#include "util/units.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <unistd.h>

namespace fleche::cli {

namespace {

struct GcOptions {
    std::string max_size, max_age;
    std::optional<int64_t> max_entries;
    bool dry_run = false, verbose = false, automatic = false;
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
    if (r.recent_blobs)
        text += "kept " + plural(r.recent_blobs, "unreferenced blob") +
                " written in the last 10 minutes: a run may be storing them\n";
    return text;
}

int gc(const GcOptions &options) {
    store::Limits limits = limits_of(options); // bad values: error before any change
    auto opened = open_configured_store();
    store::Store &store = *opened;
    if (options.automatic) {
        Fd lock = store::try_lock_gc(store);
        if (lock)
            store::collect_garbage(store, limits, false, nullptr);
        return 0;
    }
    store::Report verbose;
    if (options.verbose)
        verbose = [](const std::string &line) { write_all(STDOUT_FILENO, line + "\n"); };
    store::GcResult result = store::collect_garbage(store, limits, options.dry_run, verbose);
    return write_all(STDOUT_FILENO, summary(result, options.dry_run)) ? 0 : exit_failure;
}

} // namespace

Subcommand add_gc(CLI::App &app, const CommandWords &) {
    auto *sub = app.add_subcommand(
        "gc", "Evict least recently used entries beyond the limits, then remove unused files");
    sub->footer("Limits default to FLECHE_MAX_SIZE and FLECHE_MAX_AGE. Blobs, temporary files and\n"
                "locks that no entry or run uses are removed in any case.\n");
    auto options = std::make_shared<GcOptions>();
    sub->add_option("--max-size", options->max_size, "Keep at most this much (as 500M, 20G)")
        ->type_name("SIZE");
    sub->add_option("--max-age", options->max_age, "Evict entries unused for this long (as 30d)")
        ->type_name("DURATION");
    sub->add_option("--max-entries", options->max_entries, "Keep at most this many entries")
        ->type_name("N")
        ->check(CLI::NonNegativeNumber);
    sub->add_flag("--dry-run", options->dry_run, "Say what would be removed, remove nothing");
    sub->add_flag("-v,--verbose", options->verbose, "List every entry and file removed");
    sub->add_flag("--auto", options->automatic, "")->group(""); // started by run, see auto_gc.hpp
    return {sub, [options] { return gc(*options); }};
}

} // namespace fleche::cli
