// An entry: what one stored run produced, plus metadata that is not part of
// its key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleche::store {

enum class OutputType : int { file = 1, directory = 2, symlink = 3 }; // on disk: never renumber

struct OutputRecord {
    std::string path; // relative to the working directory of the run
    OutputType type = OutputType::file;
    bool executable = false;
    std::string blob;   // files: content digest
    std::string target; // symlinks: the link text
    uint64_t size = 0;
    // Files and directories: the permission bits (0777), restored exactly
    // whatever the umask. Not set-user-ID and the like: a cache does not hand
    // out privileges. nullopt in entries stored before modes were.
    std::optional<uint32_t> mode;
    bool operator==(const OutputRecord &) const = default;
};

struct Tag {
    std::string name, value;
    bool operator==(const Tag &) const = default;
};

// What a traced run read, probed or listed (key/path_set.hpp builds and
// matches them): the entry applies when every path still has its state. A
// path is relative to the working directory of the lookup when the run saw
// it beneath its working directory (or --base-dir), absolute otherwise.
// A probed directory is `directory` (its existence and type matter, not its
// names: those are a `listing`); a probed regular file is keyed by content.
struct PathState {
    // on disk: never renumber
    enum class Kind : int { content = 1, missing = 2, listing = 3, directory = 4, cwd = 5 };
    std::string path;
    Kind kind = Kind::missing;
    std::string digest; // content: the file's; listing: the directory listing's;
                        // missing, directory, cwd: empty
    // cwd: `path` is the working directory the run had, absolute: it applies
    // only there (an output names the checkout, see engine/record_run.cpp).
    bool operator==(const PathState &) const = default;
};

struct PathSet {
    std::vector<PathState> paths;
    bool operator==(const PathSet &) const = default;
};

struct Entry {
    std::string key;
    std::string key_record;
    std::string name;    // label, by default the tool's basename
    std::string command; // the command line, quoted for display
    int exit_code = 0;
    std::string log_blob;
    uint64_t log_size = 0;
    uint64_t outputs_size = 0;
    int64_t started_ns = 0, stopped_ns = 0;
    int64_t user_ns = 0, system_ns = 0, max_rss_kb = 0;
    std::string host, user, cwd, fleche_version;
    // Kept by the index only (they change on every hit): not in the entry
    // file, so decode_entry leaves them 0.
    int64_t hits = 0;
    int64_t last_use_ns = 0;
    std::vector<OutputRecord> outputs; // sorted by path; parents before children
    std::vector<Tag> tags;             // sorted by name; Index::find leaves it
                                       // empty (a replay needs none): read_tags
    std::vector<PathSet> path_sets;    // traced keys only: the one its K2 was
                                       // computed over (path_set_list.hpp)

    int64_t wall_ns() const { return stopped_ns - started_ns; }
};

} // namespace fleche::store
