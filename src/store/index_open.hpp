// Opening the index of a writable store, repairing what can be repaired
// without the user: the index is derived from the entries (index_rebuild.hpp),
// so none of its failures costs more than one warning.
//
// - A damaged index (not a database, malformed, lacking tables or columns,
//   or of a newer schema: IndexDamaged) is moved aside, with its -wal and
//   -shm, to index.sqlite.damaged-<UTC time> (for example
//   index.sqlite.damaged-20261202T040211Z); only the latest such set is kept,
//   earlier ones are deleted. A new index is built from the entries under a
//   temporary name in tmp/ and renamed into place: other processes see the
//   damaged index or the complete new one, and a kill during the rebuild
//   leaves a missing index, which the next open rebuilds. One warning says
//   what happened and where the old file went.
// - A missing index in a store of the current layout (layout.hpp) is rebuilt
//   the same way, with one warning; in a new store it is created silently.
// - A 0.1 store (an index and no layout file) has its entries written as
//   entry files once (migrate_index_to_entries), then the layout file. A
//   migration that fails part-way warns once and the store stays usable:
//   entries not written are run again when next needed. A kill during the
//   migration leaves no layout file, and the next open migrates again.
//
// Whoever creates, moves or rebuilds the index holds the lock locks/index
// (a KeyLock), and only opens an index that exists without it: so no process
// creates a new file at the path while another moves or renames one there.
// Kill points: index-moved-aside (the damaged index is aside, the new one not
// in place yet), index-rebuilt (the new one is complete, not yet renamed).
#pragma once

#include "store/index_rebuild.hpp"

#include <memory>
#include <string>

namespace fleche::store {

// Where the entries are, for the rebuild and the migration. Empty functions
// mean a store without entry files: nothing to rebuild from, no migration.
struct EntrySource {
    ForEachEntry for_each_entry; // every entry of the store (EntryFiles::for_each)
    EntryVisitor write_entry;    // writes one entry file (EntryFiles::write)
};

// Opens, creates, repairs or migrates the index of the store at `store_dir`
// (whose tmp/ and locks/ exist) as above. Throws Error when the store cannot
// be used at all (unwritable, busy, a newer layout).
std::unique_ptr<Index> open_index(const std::string &store_dir, const EntrySource &source);

// Moves aside and rebuilds an index found damaged after it was opened
// (`fleche verify --repair`), saying so with `why`. The caller closes its own
// connection to the index first. Throws Error.
std::unique_ptr<Index> rebuild_damaged_index(const std::string &store_dir,
                                             const EntrySource &source, const std::string &why);

} // namespace fleche::store
