// How much of the disk the store takes, measured the way `du -s -B1 STORE`
// (GNU du's default, allocated blocks) measures it: st_blocks * 512 of every
// file, directory and symlink under the store, the store directory itself
// included, a file with several links once, symlinks not followed. Allocated
// rather than apparent size because that is what fills a disk and what `du`
// prints by default: a 10-byte blob takes a 4 KiB block, and a store of
// small blobs is several times larger than the sum of their sizes. Counted
// generically, whatever the directory holds (objects/, entries/, the index and
// its WAL, tmp/, locks/, hits.log, ...), so that a new kind of file is
// counted without gc knowing about it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace fleche::store {

// `relative` is the path below the store directory, as "objects/ab/cd...".
using UsageVisitor =
    std::function<void(const std::string &relative, uint64_t allocated, bool directory)>;

// Allocated bytes of everything under `dir`; `visitor` (if set) is told
// about each regular file and directory below it. What cannot be read (a
// file removed meanwhile) counts nothing.
uint64_t disk_usage(const std::string &dir, const UsageVisitor &visitor = nullptr);

} // namespace fleche::store
