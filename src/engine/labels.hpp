// The name and tags of a new entry. They come from --name and --tag, over
// FLECHE_TAGS (so that nested invocations inherit them), over the default
// name: the tool's basename.
//
// FLECHE_TAGS := item ("," item)*   item := NAME "=" VALUE
// where the item "name=LABEL" sets the name rather than a tag. NAME is
// letters, digits, "_", "-" and "."; VALUE holds no "," or newline.
#pragma once

#include "engine/run_options.hpp"
#include "store/entry.hpp"
#include "store/entry_query.hpp"

#include <string>
#include <vector>

namespace fleche::engine {

inline constexpr const char *tags_variable = "FLECHE_TAGS";

struct Labels {
    std::string name;
    std::vector<store::Tag> tags; // sorted by name, one value per name
};

// Checks --tag and --name, folds FLECHE_TAGS into options.tags and
// options.name (the options win), and sets FLECHE_TAGS for CMD to the tags of
// this run (not the name: a nested command is labelled by its own tool).
// Throws Error (125) for a malformed tag, name or FLECHE_TAGS.
void resolve_labels(RunOptions &options);

// The name and tags for an entry made with `options` (after resolve_labels).
Labels entry_labels(const RunOptions &options, const std::string &argv0);

// "NAME=VALUE" or "NAME" (presence) for query --tag. Throws Error.
store::TagFilter parse_tag_filter(const std::string &text);

} // namespace fleche::engine
