#include "store/closest_query.hpp"

#include "key/key_record.hpp"
#include "store/index.hpp"

namespace fleche::store {

std::vector<Candidate> recent_candidates(Index &index, const std::string &key,
                                         const std::string &name, const std::string &argv0,
                                         int limit) {
    Statement query(index.database(),
                    "SELECT key, key_record, name, stopped_ns FROM entries "
                    "WHERE key <> ?1 AND (name = ?2 OR instr(key_record, ?3) > 0) "
                    "ORDER BY started_ns DESC LIMIT ?4");
    // argv[0] is the first element after the header: matching the two
    // together is matching the first argument, not any argument.
    query.bind(1, key).bind(2, name);
    query.bind(3, key::record_header() + key::record_line("argv", argv0));
    query.bind(4, int64_t(limit));
    std::vector<Candidate> candidates;
    while (query.step())
        candidates.push_back({query.text(0), query.text(1), query.text(2), query.integer(3)});
    return candidates;
}

} // namespace fleche::store
