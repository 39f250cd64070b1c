// The tool: argv[0] resolved the way execvp(3) would, identified by the
// content of the executable and, for a #! script, of its interpreters (a
// rebuilt binary or an upgraded interpreter at the same path is a miss).
#pragma once

#include "key/file_hasher.hpp"

#include <string>
#include <vector>

namespace fleche::key {

struct Tool {
    std::string path;                 // what to execute
    std::vector<std::string> digests; // executable first, then interpreters
};

// Throws Error with status 127 when nothing is found and 126 when what is
// found cannot be executed.
std::string resolve_executable(const std::string &name, const std::string &search_path);

// How the tool is identified in the key ([run] tool and [[rule]] tool):
//   content           SHA-256 of the executable and its #! interpreters (default)
//   mtime             their modification time and size (no read; a rebuild that
//                     keeps both is not noticed)
//   version:CMD ARGS  the output of CMD ARGS (run through sh on every lookup)
//   string:TEXT       TEXT itself: the user vouches for the tool
// Every mode but content puts SHA-256("<mode> " + what it saw) in the key
// record's tool lines, so no two modes can give the same key.
struct ToolIdentity {
    enum class Mode { content, mtime, version, string } mode = Mode::content;
    std::string argument; // CMD ARGS or TEXT
};

// Throws Error naming `what` and the allowed forms.
ToolIdentity parse_tool_identity(const std::string &text, const std::string &what);

// Throws Error with status 127 or 126 like resolve_executable(), and 125 when
// a version command fails. Content digests go through `hasher`.
Tool identify_tool(const std::string &argv0, const ToolIdentity &identity, FileHasher &hasher);

} // namespace fleche::key
