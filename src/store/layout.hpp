// The store's layout version: the file `format` at the top of the store,
// written once the store has the layout of this fleche, so that the migration
// of an older store (index_open.hpp) runs once.
//
// Grammar (one line):  "fleche-store-layout " VERSION "\n"   VERSION decimal
//
// Version 1 (fleche 0.1) had no such file: entries lived in index.sqlite
// alone. Version 2: one entry file per key under entries/, index.sqlite
// derived from them. A file that does not parse counts as absent (the
// migration runs again, which rewrites entry files and loses nothing).
#pragma once

#include <optional>
#include <string>

namespace fleche::store {

inline constexpr int store_layout_version = 2;

// The version in `<store_dir>/format`, nullopt when there is none (a new or
// a 0.1 store) or it does not parse.
std::optional<int> read_layout_version(const std::string &store_dir);

// Writes `<store_dir>/format` with store_layout_version, atomically (a
// temporary file in tmp/, renamed). Throws Error.
void write_layout_version(const std::string &store_dir);

} // namespace fleche::store
