// Whether a result may be shared by checkouts. With --base-dir, absolute
// paths beneath the base directory are keyed relative to the working
// directory, so a second checkout at another path finds the first one's
// entries; that is right only for outputs that do not hold the checkout's
// path. A compiler's dependency file (-MD) does: replayed in the second
// checkout it would name the first one's sources, and the next build there
// would miss every header edit. Such a run is keyed on its working directory
// too (a traced run) or not stored.
#pragma once

#include "key/invocation.hpp"
#include "store/entry.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleche::engine {

// The first output file (relative path) whose content holds the base
// directory's absolute path, when the run was relocated (`invocation`'s
// base_dir, the working directory beneath it); nullopt otherwise. Reads the
// outputs' files; an unreadable one counts as holding it.
std::optional<std::string> output_naming_checkout(const std::vector<store::OutputRecord> &outputs,
                                                  const key::Invocation &invocation);

} // namespace fleche::engine
