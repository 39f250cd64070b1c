// Reduces declared inputs to content digests. Paths are recorded as the user
// declared them (lexically normalised): relative ones stay relative so that an
// entry made in one checkout is a hit in another.
#pragma once

#include "key/file_hasher.hpp"
#include "key/key_record.hpp"

#include <string>
#include <vector>

namespace fleche::key {

// One declared path: a file (content digest, and whether it is executable), a
// directory (Merkle tree), a dangling symlink, or missing. Follows symlinks.
InputDigest digest_input(const std::string &path, FileHasher &hasher);

// Digest of a directory: the SHA-256 of its entries sorted by name, each
// "<type> <digest> <name length>:<name>\n", type one of f (file), x
// (executable file), d (directory, recursively), l (symlink, digest of the
// target text, not followed) or o (anything else, empty digest).
std::string digest_directory(const std::string &path, FileHasher &hasher);

// Every -i spec expanded (globs) and digested, sorted by path; a spec that
// names nothing is recorded as missing (with a warning if asked).
std::vector<InputDigest> digest_inputs(const std::vector<std::string> &specs, bool warn_missing,
                                       FileHasher &hasher);

// "a/./b/" -> "a/b"; "" -> ".".
std::string normalize_path(const std::string &path);

} // namespace fleche::key
