#include "store/index_rebuild.hpp"

#include "store/index_columns.hpp"
#include "util/test_hook.hpp"

#include <exception>
#include <optional>

namespace fleche::store {

namespace {

// Small enough that a run storing meanwhile waits well under the busy
// timeout, large enough that the commits do not dominate.
constexpr size_t rebuild_batch = 5000;

constexpr TransactionHooks rebuild_hooks{"rebuild-begin", "rebuild-commit"};

} // namespace

size_t rebuild_index(Index &index, const ForEachEntry &for_each_entry) {
    Database &db = index.database();
    size_t count = 0;
    // Begun before the first entry, even when there is none: the crash tests
    // find the kill points in every rebuild.
    std::optional<Transaction> transaction(std::in_place, db, rebuild_hooks);
    for_each_entry([&](const Entry &stored) {
        if (!transaction)
            transaction.emplace(db, rebuild_hooks);
        Entry e = stored;
        e.hits = 0;
        e.last_use_ns = e.stopped_ns;
        index.insert(e);
        if (++count % rebuild_batch == 0) {
            transaction->commit();
            transaction.reset();
        }
    });
    if (transaction)
        transaction->commit();
    test_hook("rebuild-committed");
    return count;
}

Migration migrate_index_to_entries(Index &index, const EntryVisitor &write_entry) {
    Database &db = index.database();
    // Three scans in key order merged as they go: one statement per table,
    // not per entry, for a store of a million entries.
    static const std::string entries_sql =
        std::string("SELECT ") + entry_columns + " FROM entries ORDER BY key";
    static const std::string outputs_sql =
        std::string("SELECT ") + output_columns + " FROM outputs ORDER BY key, path";
    Statement entries(db, entries_sql.c_str());
    Statement outputs(db, outputs_sql.c_str());
    Statement tags(db, "SELECT key, name, value FROM tags ORDER BY key, name");
    bool more_outputs = outputs.step(), more_tags = tags.step();
    Migration migration;
    while (entries.step()) {
        Entry e = read_entry(entries);
        // Rows of keys without an entry (none in a consistent index) are skipped.
        while (more_outputs && outputs.text(0) < e.key)
            more_outputs = outputs.step();
        for (; more_outputs && outputs.text(0) == e.key; more_outputs = outputs.step())
            e.outputs.push_back(read_output(outputs));
        while (more_tags && tags.text(0) < e.key)
            more_tags = tags.step();
        for (; more_tags && tags.text(0) == e.key; more_tags = tags.step())
            e.tags.push_back({tags.text(1), tags.text(2)});
        test_hook("migrate-entry");
        try {
            write_entry(e);
            ++migration.written;
            test_hook("migrate-written");
        } catch (const std::exception &error) {
            if (migration.failed++ == 0)
                migration.first_error = error.what();
        }
    }
    return migration;
}

} // namespace fleche::store
