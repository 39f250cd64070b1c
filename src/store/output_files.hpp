// Declared outputs: captured into blobs after a stored run, restored on a hit.
// Paths are relative to the working directory so that an entry restores
// into whichever checkout it is replayed in.
#pragma once

#include "store/blob.hpp"
#include "store/entry.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleche::store {

// Every output that the specs (paths, directories, globs: util/path_spec.hpp)
// name, directories recursively, sorted by path, with their permission bits.
// Returns nullopt after a warning when a declared output does not exist, or
// when restore would refuse it (its directory leads outside the working
// directory). Throws Error on I/O errors.
std::optional<std::vector<OutputRecord>> capture_outputs(const BlobStore &blobs,
                                                         const std::vector<std::string> &specs);

// Writes the outputs back, replacing whatever is at their paths, with the
// permission bits they were captured with (not the umask's). Each file is
// written beside its destination, checked against its digest, then renamed
// into place. Nothing is written, no directory made, where a path leads
// outside the working directory. Throws BlobCorrupt (a damaged blob) or Error.
void restore_outputs(const BlobStore &blobs, const std::vector<OutputRecord> &outputs);

} // namespace fleche::store
