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
// The store's own directory is skipped wherever it is (FLECHE_DIR=build/.fleche
// with -o build). Returns nullopt after a warning when a declared output does
// not exist, or when restore would refuse it (its directory is reached
// through a symbolic link, or it is in the store). Throws Error on I/O errors.
std::optional<std::vector<OutputRecord>> capture_outputs(const BlobStore &blobs,
                                                         const std::vector<std::string> &specs);

// Writes the outputs back, replacing whatever is at their paths, with the
// permission bits they were captured with (not the umask's).
//
// Nothing is created or written outside the working directory, whatever the
// entry says: the outputs must form a tree of paths beneath it (no absolute
// path, no "..", "." or empty component, none listed twice or beneath one of
// its files or links), checked before anything is written; each is then
// resolved beneath the working directory without following a symbolic link
// (util/beneath.hpp), missing directories made one at a time. A link at an
// output's path is replaced, never written through; the store is never
// removed nor replaced.
//
// Each file is written beside its destination, hashed as it is written, and
// renamed into place only when its digest matches: one pass. A signal that
// would end fleche (util/interruption.hpp) removes the temporary file, then
// ends it. Throws BlobCorrupt (a damaged blob) or Error (a refused entry).
void restore_outputs(const BlobStore &blobs, const std::vector<OutputRecord> &outputs);

} // namespace fleche::store
