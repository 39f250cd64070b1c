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

Tool identify_tool(const std::string &argv0, FileHasher &hasher);

} // namespace fleche::key
