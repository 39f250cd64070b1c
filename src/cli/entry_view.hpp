// Entries as people and programs read them: key prefixes typed by the user,
// the JSON fields shared by query and show, and times for humans.
#pragma once

#include "store/store.hpp"
#include "util/json.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fleche::cli {

// Keys with a (lower-case, well-formed) prefix that are not entries of the
// index: traced first keys, whose path-set lists show can print.
using OtherKeys = std::function<std::vector<std::string>(const std::string &prefix)>;

// The full key of the one entry (or key of `others`) that starts with
// `prefix` (at least 4 hex characters). Throws Error for a malformed, unknown
// or ambiguous prefix (listing the candidates).
std::string resolve_key(store::Index &index, const std::string &prefix,
                        const OtherKeys &others = {});

// The entry under a full key, tags included. Throws Error when it vanished.
store::Entry load_entry(store::Index &index, const std::string &key);

// The members common to query --json and show --json (documented in the man
// page), written into the current JSON object.
void write_entry_fields(JsonWriter &json, store::Index &index, const store::Entry &entry);

// The entry's command line for a terminal: as stored, unless an argument holds
// a control character; then written with $'...' escapes.
std::string command_line(const store::Entry &entry);

// The entry in full for people, on stdout (after load_entry, with the path
// sets of a traced entry from its entry file). A traced entry's inputs are
// listed at most shown_paths_per_kind of each kind unless `all_inputs`.
void print_entry(const store::Entry &entry, bool all_inputs = false);

inline constexpr size_t shown_paths_per_kind = 10;

// "traced inputs: 5 paths: 2 files, 1 missing, ..." for each path set, then
// its paths by kind (files with a short digest, missing paths, listed
// directories, probed directories), at most shown_paths_per_kind of each
// unless `all`; a line "... N more files (`more_hint`)" says what was left out.
void print_traced_inputs(const std::vector<store::PathSet> &sets, const std::string &more_hint,
                         bool all);
// "path_sets": [{"paths": [{"path", "state", "digest"}]}] into the current object
// (state as in entry files: content, missing, listing, directory; digest null
// for missing and directory).
void write_path_sets_json(JsonWriter &json, const std::vector<store::PathSet> &sets);
// Whether output `path` of a traced run was found by the trace rather than
// declared: neither a declared output (the key record's output lines, as in
// -o) nor beneath one.
bool discovered_output(const std::vector<std::string> &declared, const std::string &path);

// "file", "dir" or "link".
std::string output_type_name(store::OutputType type);

// "2024-05-01 12:34:56" in local time.
std::string local_time(int64_t ns);
// "2024-05-01T10:34:56Z".
std::string utc_time(int64_t ns);

// A DURATION before now ("2h") or a DATE ("2024-05-01", "2024-05-01T12:00",
// "2024-05-01 12:00:00", local time) as ns since the epoch. Throws Error
// naming `what`.
int64_t parse_time_point(const std::string &text, const std::string &what, int64_t now_ns);

} // namespace fleche::cli
