// fleche verify: check every blob and entry of the store; --repair drops
// what is broken.
#include "store/verify.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/configure.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/units.hpp"

#include <chrono>
#include <memory>
#include <unistd.h>

namespace fleche::cli {

using engine::open_configured_store;

namespace {

// "\rfleche: checking blobs 120/5000" on a terminal, at most ten times a second.
store::VerifyProgress progress_line() {
    if (!::isatty(STDERR_FILENO))
        return nullptr;
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    return [last](size_t done, size_t total) {
        auto now = std::chrono::steady_clock::now();
        if (done != total && now - *last < std::chrono::milliseconds(100))
            return;
        *last = now;
        std::string line = "\rfleche: checking blobs " + std::to_string(done) + "/" +
                           std::to_string(total) + (done == total ? "\r\033[K" : "");
        write_all(STDERR_FILENO, line);
    };
}

std::string report(const store::VerifyResult &r, bool repaired) {
    std::string text;
    for (const auto &problem : r.problems)
        text += problem + "\n";
    text += "checked " + std::to_string(r.blobs) + " blob(s) (" + format_size(r.blob_bytes) +
            ") and " + std::to_string(r.entries) + " entry(ies): " +
            (r.problems.empty() ? std::string("no problems")
                                : std::to_string(r.problems.size()) + " problems") +
            "\n";
    if (r.orphans)
        text += std::to_string(r.orphans) + " blobs (" + format_size(r.orphan_bytes) +
                ") belong to no entry" +
                (r.damaged_orphans ? " (" + std::to_string(r.damaged_orphans) + " damaged)" : "") +
                "; gc removes them\n";
    if (repaired)
        text += "repaired: removed " + std::to_string(r.removed_entries) + " entries and " +
                std::to_string(r.removed_blobs) + " blobs\n";
    return text;
}

int verify(bool repair) {
    auto opened = open_configured_store();
    store::Store &store = *opened;
    store::VerifyResult result = store::verify_store(store, repair, progress_line());
    write_all(STDOUT_FILENO, report(result, repair));
    if (result.problems.empty() || (repair && (!result.index_damaged || result.index_rebuilt)))
        return 0;
    say(result.index_damaged ? "the index is damaged; 'fleche verify --repair' rebuilds it"
                             : "the store has problems; 'fleche verify --repair' drops the broken "
                               "entries and blobs");
    return 1;
}

} // namespace

Subcommand verify_command(const CommandWords &) {
    auto repair = std::make_shared<bool>(false);
    return {.name = "verify",
            .description =
                "Re-hash every blob and check every entry; exit 1 when something is broken",
            .options = {{.names = "--repair",
                         .help = "Drop broken entries, damaged blobs and orphan blobs",
                         .target = repair.get()}},
            .action = [repair] { return verify(*repair); }};
}

} // namespace fleche::cli
