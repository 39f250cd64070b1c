// File-system helpers shared by the store and output capture.
#pragma once

#include "util/fd.hpp"

#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace fleche {

// mkdir -p; new directories get `mode`. Throws Error.
void make_directories(const std::string &path, mode_t mode = 0777);

// A new file "<prefix>.XXXXXX" opened for writing (mode 0600). Throws Error.
std::pair<std::string, Fd> make_temp_file(const std::string &prefix);

// The names in a directory, except "." and "..", in no particular order;
// empty when it cannot be read.
std::vector<std::string> directory_entries(const std::string &dir);

// rm -rf that reports nothing: for replacing outputs and cleaning up.
void remove_tree(const std::string &path);

} // namespace fleche
