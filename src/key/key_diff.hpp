// What differs between a stored key record and the current one, element by
// element, in words: the heart of `fleche explain` and of `run -v` on a miss.
#pragma once

#include "key/key_record.hpp"

#include <string>
#include <vector>

namespace fleche::key {

// One line per difference, in key record order, e.g.
//   argv[3]: "--dt=0.1" -> "--dt=0.05"
//   tool /usr/bin/sim: executable changed
//   env OMP_NUM_THREADS: "4" -> "8"
//   input data/mesh.vtk: content changed
// `tool_path` names the tool in messages. Empty when the records are equal.
std::vector<std::string> diff_records(const KeyRecord &stored, const KeyRecord &now,
                                      const std::string &tool_path);

} // namespace fleche::key
