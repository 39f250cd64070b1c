#include "key/traced_inputs.hpp"

#include "key/key_record.hpp"

#include <algorithm>

namespace fleche::key {

namespace {

// Bumped when the rules of traced_inputs.hpp change what a path set holds.
constexpr int trace_rules_version = 1;

} // namespace

std::string trace_scheme(bool readlink, const std::vector<std::string> &ignore) {
    std::vector<std::string> globs = ignore;
    std::sort(globs.begin(), globs.end());
    globs.erase(std::unique(globs.begin(), globs.end()), globs.end());
    std::string scheme = "rules " + std::to_string(trace_rules_version);
    if (readlink)
        scheme += " readlink";
    for (const auto &glob : globs) {
        scheme += " ignore ";
        append_record_str(scheme, glob);
    }
    return scheme;
}

} // namespace fleche::key
