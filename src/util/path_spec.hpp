// How a -i or -o spec names paths. A spec that names an existing path is
// that path, whatever characters it has: a file called "data[1].txt" must not
// be read as a pattern that misses it. Otherwise a spec with *, ? or [ is a
// glob (util/glob.hpp), in which a backslash makes the next character
// literal. "glob:PATTERN" is always a glob, even when a path called PATTERN
// exists.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleche {

inline constexpr std::string_view glob_prefix = "glob:";

// The spec without its "glob:" prefix: the path or pattern it is about.
std::string_view spec_pattern(std::string_view spec);

// "glob:" kept in front of what `change` makes of the rest: for resolving
// the paths of a spec against a directory.
template <class Change> std::string map_spec_path(const std::string &spec, Change change) {
    std::string_view pattern = spec_pattern(spec);
    std::string prefix(spec.data(), spec.size() - pattern.size());
    return prefix + change(std::string(pattern));
}

struct SpecPaths {
    bool glob = false;
    // A glob: the existing paths that match, sorted. A path: the spec itself,
    // whether or not it exists.
    std::vector<std::string> paths;
    // A glob: a directory that cannot be listed, so that `paths` may be
    // incomplete ("cannot read 'x': Permission denied"); else empty.
    std::string unreadable;
};

// A spec without *, ? and [ costs no system call.
SpecPaths expand_spec(const std::string &spec);

} // namespace fleche
