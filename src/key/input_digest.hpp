// Reduces declared inputs to content digests. Paths are recorded as the user
// declared them (lexically normalised): relative ones stay relative so that an
// entry made in one checkout is a hit in another.
#pragma once

#include "key/file_hasher.hpp"
#include "key/key_record.hpp"

#include <string>
#include <vector>

namespace fleche::key {

struct DigestedInputs {
    std::vector<InputDigest> inputs;
    // Why no key can stand for the inputs, empty when one can: an entry that
    // cannot be read or stat'ed, or a FIFO, socket or device, whose content
    // is not a file's. "cannot read 'src/x': Permission denied".
    std::string unhashable;
};

// Every -i spec expanded (util/path_spec.hpp) and digested, sorted by path.
// A file is its content digest and whether it is executable, a directory a
// Merkle tree, a dangling symlink its target text; a spec that names nothing
// is recorded as missing (with a warning if asked). Follows symlinks, except
// inside directories.
DigestedInputs digest_inputs(const std::vector<std::string> &specs, bool warn_missing,
                             FileHasher &hasher);

// "a/./b/" -> "a/b"; "" -> ".".
std::string normalize_path(const std::string &path);

} // namespace fleche::key
