// The miss path: run CMD with its output live and, when the run is
// cacheable, store it as an entry.
#pragma once

#include "engine/prepared_key.hpp"
#include "engine/run_options.hpp"
#include "remote/remote_cache.hpp"
#include "store/store.hpp"

namespace fleche::engine {

// Runs CMD; with a store, records the result when the exit status is
// cacheable, CMD was not killed, every declared output exists and no input
// changed during the run. A store that fails costs a warning, never the
// result. Returns fleche's exit status.
// `hashing` checks the inputs again after the run, and hashes what a traced
// run looked at (key/traced_inputs.hpp, key/path_set.hpp): a traced run is
// stored under its K2, its path set put first in K1's list.
// A stored result goes on to `remote` (remote_cache.hpp) when there is one.
int run_and_record(store::Store *store, PreparedKey &key, const RunOptions &options,
                   StoreHasher &hashing, remote::RemoteCache *remote = nullptr);

} // namespace fleche::engine
