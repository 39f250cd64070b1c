// The entry file: one self-contained, versioned file per stored run
// (entries/ab/<rest of the key> in the store, see entries.hpp). It holds
// everything a hit needs, so that a hit reads it and its blobs and nothing
// else, and everything the index holds of an entry except its hit count and
// last use, so that the index can be rebuilt from the entry files. It is
// also the unit a remote cache moves (see storage.hpp).
//
// Encoding (version 1), one element per line, in this order:
//   "fleche-entry 1"                 magic and entry_format_version
//   "key " HEX                       SHA-256 of the key record below
//   "record " STR                    the key record, verbatim (key_record.hpp)
//   "exit " INT                      CMD's exit code
//   "log " HEX " " UINT              log blob digest, its uncompressed size
//   "started " INT                   ns since the epoch
//   "stopped " INT
//   "cpu " INT " " INT               user and system CPU time, ns
//   "max-rss-kb " INT
//   "host " STR
//   "user " STR
//   "cwd " STR
//   "fleche " STR                    the version of fleche that stored it
//   "name " STR
//   "command " STR                   the command line, quoted for display
//   "tag " STR " " STR               name and value, for each tag, sorted by name
//   "output " STR " " TYPE " " EXEC " " MODE " " (HEX | "-") " " UINT " " STR
//                                    for each output, sorted by path, parents
//                                    first: relative path, TYPE "file", "dir"
//                                    or "link", EXEC 0 or 1, MODE the
//                                    permission bits in octal or "-" (not
//                                    recorded), the blob (files only), the
//                                    size, the symlink target (else empty).
//                                    An empty directory is a "dir" row.
//   "path-set " UINT                 for each path set, its number of paths,
//   "path " STR " " STATE            then each path: STATE "content " HEX,
//                                    "listing " HEX, "missing" or
//                                    "directory" (exists as a directory)
//   "sha256 " HEX                    of every byte before this line
// where STR is a length-prefixed byte string "<decimal length>:<bytes>" (as
// in the key record), INT a decimal integer with an optional '-', UINT one
// without, HEX a SHA-256 in lower-case hex, and every line ends in "\n".
//
// The encoding of a fixed entry is pinned by a golden test
// (tests/unit/entry_file_test.cpp): any change bumps entry_format_version.
// A reader refuses a newer version, never guesses at it.
#pragma once

#include "store/entry.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleche::store {

inline constexpr uint32_t entry_format_version = 1;

// Hits and last use are not encoded (see entry.hpp); outputs_size is not
// either: decode_entry sums the outputs' sizes.
std::string encode_entry(const Entry &entry);

// nullopt for anything but a whole, well-formed entry of this format version
// whose checksum matches, with `why` (when given) saying what is wrong.
// Never throws: the hit path calls it.
std::optional<Entry> decode_entry(std::string_view bytes, std::string *why = nullptr);
// The same, and `first_path_lines` (when the entry has a path set) set to the
// slice of `bytes` that holds the "path" lines of its first path set. Those
// are the bytes encode_path_lines (path_set_list.hpp) makes of that path set:
// the writers are the same codec, and the reader takes only what they write
// (a STR's length without a leading zero, a state word and a digest in lower
// case hex, single spaces), so a traced entry's key can be checked over them
// without encoding the path set again.
std::optional<Entry> decode_entry(std::string_view bytes, std::string *why,
                                  std::string_view *first_path_lines);

// The word of a path state in entry files and path-set lists (path_set_list.hpp):
// "content", "listing", "missing" or "directory".
const char *path_state_word(PathState::Kind kind);

// Reads one path line, "path " STR " " STATE "\n" (entry files and path-set
// lists share it, and store::encode_path_lines writes it), at the start of
// `text` and moves `text` past it. nullopt, with `why`, for anything else;
// a STR length with a leading zero too, so that what is read is the bytes
// the writer makes. Never throws.
std::optional<PathState> read_path_line(std::string_view &text, std::string &why);

} // namespace fleche::store
