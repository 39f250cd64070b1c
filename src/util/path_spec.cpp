#include "util/path_spec.hpp"

#include "util/glob.hpp"

#include <sys/stat.h>

namespace fleche {

std::string_view spec_pattern(std::string_view spec) {
    if (spec.starts_with(glob_prefix))
        spec.remove_prefix(glob_prefix.size());
    return spec;
}

SpecPaths expand_spec(const std::string &spec) {
    std::string_view pattern = spec_pattern(spec);
    bool forced = pattern.size() != spec.size();
    struct stat st;
    if (!forced && (!has_glob_chars(spec) || ::lstat(spec.c_str(), &st) == 0))
        return {false, {spec}, {}};
    SpecPaths glob{true, {}, {}};
    glob.paths = expand_glob(std::string(pattern), &glob.unreadable);
    return glob;
}

} // namespace fleche
