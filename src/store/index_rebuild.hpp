// The index is derived from the entries: rebuilt from them when it is lost,
// damaged or of a newer format, and, in a 0.1 store where the entries lived
// in the index alone, the source that the entry files are written from once.
// Both work on callbacks, so that the index knows nothing of how entries are
// stored (EntryFiles::for_each and EntryFiles::write, entries.hpp).
#pragma once

#include "store/index.hpp"

#include <cstddef>
#include <functional>
#include <string>

namespace fleche::store {

using EntryVisitor = std::function<void(const Entry &)>;
// Calls its argument with every stored entry (tags included).
using ForEachEntry = std::function<void(const EntryVisitor &)>;

// Inserts every entry that `for_each_entry` gives into `index` (normally a
// new, empty one), outputs, tags and the paths of traced entries included,
// in transactions of a few thousand entries. What only the index knew starts again: each entry gets
// no hits and its stored time (stopped_ns) as last use, so LRU gc sees it as
// used when it was stored; counters (`fleche stats`) start from zero.
// Kill points: rebuild-begin, rebuild-commit (each transaction). Returns the
// number of entries. Throws Error.
size_t rebuild_index(Index &index, const ForEachEntry &for_each_entry);

struct Migration {
    size_t written = 0, failed = 0;
    std::string first_error; // why the first failed write failed
};

// Calls `write_entry` with every entry of `index`, outputs and tags included,
// in key order: the migration of a 0.1 store to entry files. An entry whose
// write throws is counted as failed and skipped. Kill point: migrate-entry
// (before each write). Throws Error when the index cannot be read.
Migration migrate_index_to_entries(Index &index, const EntryVisitor &write_entry);

} // namespace fleche::store
