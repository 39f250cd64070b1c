// FLECHE_DISABLE=1: fleche steps aside and CMD runs as if typed without it.
#pragma once

#include <string>
#include <vector>

namespace fleche::engine {

// FLECHE_DISABLE, read before any configuration so that a broken fleche.toml
// cannot stand in the way. Throws Error for a value that is not on/off.
bool disabled_by_environment();

// Replaces fleche with CMD (no lookup, no store). Returns only on failure:
// throws Error with status 126 or 127, like run.
int exec_directly(const std::vector<std::string> &argv);

} // namespace fleche::engine
