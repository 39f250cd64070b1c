// The column lists of the index's entries and outputs tables (index.hpp), and
// how an Entry and an OutputRecord map onto them: the one place that names
// every column, so that a column added to the schema is added here, and each
// statement that writes or reads whole rows (Index::find and put, the rebuild,
// the migration, the schema check at open) follows.
#pragma once

#include "store/entry.hpp"
#include "store/sqlite.hpp"

#include <string>
#include <vector>

namespace fleche::store {

// In the order of bind_entry and read_entry.
inline constexpr const char *entry_columns =
    "key, key_record, name, command, exit_code, log_blob, log_size, outputs_size, started_ns, "
    "stopped_ns, user_ns, system_ns, max_rss_kb, host, user, cwd, fleche_version, hits, "
    "last_use_ns";
inline constexpr int entry_column_count = 19;

// In the order of bind_output and read_output.
inline constexpr const char *output_columns =
    "key, path, type, executable, blob, target, size, mode";
inline constexpr int output_column_count = 8;

// The paths of a traced entry's path sets (store/entry.hpp), one row per
// distinct path: what query --input finds traced inputs by.
inline constexpr const char *path_set_path_columns = "key, path";
// The remote cache's counters (counters.hpp), one row per shard.
inline constexpr const char *remote_counter_columns =
    "shard, hits, misses, errors, timeouts, bytes_down, bytes_up, uploads";

// The names in a column list.
std::vector<std::string> split_columns(const char *list);

// "?,?,...,?" for `count` columns.
std::string placeholders(int count);

// Binds the entry's row to parameters 1..entry_column_count.
void bind_entry(Statement &statement, const Entry &entry);
// The entry of a row whose first entry_column_count columns are entry_columns
// (outputs and tags left empty).
Entry read_entry(const Statement &row);

// Binds the output's row to parameters 1..output_column_count.
void bind_output(Statement &statement, const std::string &key, const OutputRecord &output);
// The output of a row whose columns are output_columns (the key is column 0).
OutputRecord read_output(const Statement &row);

} // namespace fleche::store
