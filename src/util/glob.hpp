// Shell-style globs over the file system: *, ?, [...] within one path
// component (fnmatch(3), hidden names only when the pattern starts with '.'),
// and ** for any number of directories. glob(3) in glibc has no **.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleche {

bool has_glob_chars(std::string_view pattern);

// Every existing path that matches, spelled as the pattern is (relative
// patterns give relative paths), sorted and without duplicates. Directories
// reached through ** are walked without following symbolic links. A
// directory that cannot be listed is named in `unreadable` ("cannot read
// 'x': Permission denied"), if given: the matches may then be incomplete.
std::vector<std::string> expand_glob(const std::string &pattern, std::string *unreadable = nullptr);

} // namespace fleche
