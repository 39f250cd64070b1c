// Path sets: the (path, state) list a traced run saw, built after the run
// from its traced inputs (traced_inputs.hpp), and matched against the file
// system by a later lookup of the same first key K1 (store/path_set_list.hpp
// holds the list, store::traced_entry_key gives K2).
//
// States: a regular file is keyed by content ("content" + digest, through
// the FileHasher so that the stat cache spares reading it); a path that does
// not exist is "missing"; a directory is "directory" (probed or opened: its
// existence and type matter) or, when listed, "listing" + the digest of its
// sorted names and types (not their contents). Symbolic links are followed,
// as the opens were.
//
// Paths are keyed relative when the run saw them beneath its working
// directory, or beneath --base-dir (then relative to the working directory,
// "../include/a.h", as ccache's base_dir), so that a second checkout at
// another path matches; absolute otherwise. A path set is sorted by keyed
// path, each once.
//
// A match costs at most one stat per path (the relative ones first: the
// project's files are what differs between path sets): a regular file whose stamp the
// stat cache knows is not read, and the missing names of one directory are
// answered together by one stat of the directory when its stamp is one the
// cache saw with all of them missing (a name created or removed in a
// directory changes its mtime and ctime).
#pragma once

#include "key/file_hasher.hpp"
#include "key/traced_inputs.hpp"
#include "store/entry.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace fleche::key {

struct PathKeying {
    std::string cwd;                     // absolute, clean
    std::optional<std::string> base_dir; // absolute, clean; --base-dir
};

// The keyed form of absolute, clean path `path`, and back (a relative keyed
// path is taken against keying.cwd).
std::string keyed_path(const std::string &path, const PathKeying &keying);
std::string lookup_path(const std::string &keyed, const PathKeying &keying);

struct BuiltPathSet {
    store::PathSet set;
    // Why the run must not be stored: an input changed while CMD ran (its
    // mtime or ctime is not before started_ns), cannot be read, or is
    // neither a regular file, a directory nor missing (a socket, a FIFO).
    // Names the path. Empty when the set may be stored.
    std::string refusal;
};

// After the run: the state of each traced input now. Throws nothing.
BuiltPathSet build_path_set(const TracedPaths &traced, const PathKeying &keying, int64_t started_ns,
                            FileHasher &hasher);

// The first path of `set` whose state differs now, said for -v and explain
// as "input a/h.h: appeared", "input /usr/include/stdio.h: content
// changed", "input b/h.h: disappeared", "input d: is no longer a directory",
// "directory data: listing changed"; nullopt when every path matches.
// Throws nothing (an unreadable file is a difference).
std::optional<std::string> first_difference(const store::PathSet &set, const PathKeying &keying,
                                            FileHasher &hasher);

// How many stats (stat, fstat, fstatat) the functions above have made in this
// process: what the tests hold a match's cost to.
uint64_t path_set_stat_count();

} // namespace fleche::key
