// What the user asked to run, before anything is hashed, and the one function
// that turns it into a key record: run, digest and has all go through it, so
// they cannot disagree about a key.
#pragma once

#include "key/key_record.hpp"
#include "key/tool.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleche::key {

struct Invocation {
    std::vector<std::string> argv;
    std::vector<std::string> env;     // names and globs (-e)
    std::vector<std::string> inputs;  // paths, directories and globs (-i)
    std::vector<std::string> outputs; // paths, directories and globs (-o)
    std::optional<std::string> salt;
    bool key_cwd = false;
    bool hash_stdin = false;
    ToolIdentity tool_identity;           // [run] tool / [[rule]] tool
    std::vector<std::string> ignore_args; // globs: matching arguments leave the key
    // --trace: the record is a first key K1 (key_record.hpp "trace"), and
    // what CMD looks at is found by tracing it (key/traced_inputs.hpp).
    bool trace = false;
    std::vector<std::string> trace_ignore; // globs of absolute paths left out of a trace
    // --base-dir: absolute paths beneath it, in argv and traced paths, are
    // keyed relative to the working directory (key/path_set.hpp).
    std::optional<std::string> base_dir;
    // --env-all: every variable but the volatile ones (select_environment).
    bool env_all = false;
};

// Selected variables of the current environment, sorted by name. A plain name
// is recorded even when unset; a glob records every set variable it matches.
// `all` (--env-all) adds every other set variable that is not volatile, its
// value as "sha256:" HEX: the record is stored and shown, and the
// environment holds secrets that nobody selected.
std::vector<EnvValue> select_environment(const std::vector<std::string> &patterns,
                                         bool all = false);

// A variable that names a session, terminal or process (PWD, SHLVL, SSH_*,
// MAKEFLAGS...) rather than configures a tool: --env-all leaves it out.
bool volatile_variable(const std::string &name);

// Throws Error (status 125) for an output (or the pattern after "glob:") that
// is absolute or leaves the working directory; returns it normalised
// otherwise.
std::string checked_output_path(const std::string &spec);

// argv without the arguments (never argv[0]) that match an ignore glob.
std::vector<std::string> keyed_arguments(const std::vector<std::string> &argv,
                                         const std::vector<std::string> &ignore);

// stdin_digest: the digest of stdin when hash_stdin is set. `unhashable`:
// why an input cannot be hashed (see DigestedInputs), empty when all can;
// the record is then incomplete and must not be looked up.
KeyRecord make_key_record(const Invocation &invocation, const Tool &tool,
                          const std::optional<std::string> &stdin_digest, FileHasher &hasher,
                          std::string &unhashable);

} // namespace fleche::key
