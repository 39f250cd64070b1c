// Entries as people and programs read them: key prefixes typed by the user,
// the JSON fields shared by query and show, and times for humans.
#pragma once

#include "store/store.hpp"
#include "util/json.hpp"

#include <cstdint>
#include <string>

namespace fleche::cli {

// The full key of the one entry whose key starts with `prefix` (at least 4
// hex characters). Throws Error for a malformed, unknown or ambiguous prefix
// (listing the candidates).
std::string resolve_key(store::Index &index, const std::string &prefix);

// The entry under a full key, tags included. Throws Error when it vanished.
store::Entry load_entry(store::Index &index, const std::string &key);

// The members common to query --json and show --json (documented in the man
// page), written into the current JSON object.
void write_entry_fields(JsonWriter &json, store::Index &index, const store::Entry &entry);

// The entry's command line for a terminal: as stored, unless an argument holds
// a control character; then written with $'...' escapes.
std::string command_line(const store::Entry &entry);

// The entry in full for people, on stdout (after load_entry).
void print_entry(const store::Entry &entry);

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
