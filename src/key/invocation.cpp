#include "key/invocation.hpp"

#include "key/input_digest.hpp"
#include "key/traced_inputs.hpp"
#include "util/error.hpp"
#include "util/glob.hpp"
#include "util/path_spec.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fnmatch.h>
#include <unistd.h>

extern char **environ;

namespace fleche::key {

std::vector<EnvValue> select_environment(const std::vector<std::string> &patterns) {
    std::vector<EnvValue> selected;
    for (const auto &pattern : patterns) {
        if (!has_glob_chars(pattern)) {
            const char *value = std::getenv(pattern.c_str());
            selected.push_back({pattern, value ? std::optional<std::string>(value) : std::nullopt});
            continue;
        }
        for (char **entry = environ; *entry; ++entry) {
            const char *equals = std::strchr(*entry, '=');
            if (!equals)
                continue;
            std::string name(*entry, static_cast<size_t>(equals - *entry));
            if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0)
                selected.push_back({name, std::string(equals + 1)});
        }
    }
    return selected;
}

std::string checked_output_path(const std::string &spec) {
    std::string_view pattern = spec_pattern(spec);
    std::string normal = normalize_path(std::string(pattern));
    if (pattern.empty() || pattern.starts_with('/') || normal == ".." ||
        normal.starts_with("../") || normal == ".")
        throw Error("output '" + spec +
                    "' must be a path inside the working directory, relative to it");
    if (pattern.size() != spec.size())
        return std::string(glob_prefix) + normal;
    // "./glob:x" names a file: normalised to "glob:x", it would read as a pattern.
    return normal.starts_with(glob_prefix) ? "./" + normal : normal;
}

std::vector<std::string> keyed_arguments(const std::vector<std::string> &argv,
                                         const std::vector<std::string> &ignore) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < argv.size(); ++i) {
        bool ignored = i > 0 && std::any_of(ignore.begin(), ignore.end(), [&](auto &glob) {
                           return ::fnmatch(glob.c_str(), argv[i].c_str(), 0) == 0;
                       });
        if (!ignored)
            kept.push_back(argv[i]);
    }
    return kept;
}

KeyRecord make_key_record(const Invocation &invocation, const Tool &tool,
                          const std::optional<std::string> &stdin_digest, FileHasher &hasher,
                          std::string &unhashable) {
    KeyRecord record;
    record.argv = keyed_arguments(invocation.argv, invocation.ignore_args);
    record.tool = tool.digests;
    if (invocation.key_cwd)
        record.cwd = std::filesystem::current_path().string();
    record.env = select_environment(invocation.env);
    DigestedInputs inputs = digest_inputs(invocation.inputs, true, hasher);
    record.inputs = std::move(inputs.inputs);
    unhashable = std::move(inputs.unhashable);
    record.stdin_digest = stdin_digest;
    record.salt = invocation.salt;
    for (const auto &output : invocation.outputs)
        record.outputs.push_back(checked_output_path(output));
    if (invocation.trace)
        record.trace = trace_scheme(false, invocation.trace_ignore);
    record.canonicalize();
    return record;
}

} // namespace fleche::key
