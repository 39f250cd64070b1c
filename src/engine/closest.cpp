#include "engine/closest.hpp"

#include "key/key_diff.hpp"
#include "store/key_prefix.hpp"

#include <tuple>

namespace fleche::engine {

namespace {

// How many recent candidates are compared: enough for any realistic
// history of one command, bounded so that explain stays quick.
constexpr int max_candidates = 500;

std::string record_str(const std::string &text) {
    return std::to_string(text.size()) + ":" + text;
}

} // namespace

std::optional<Closest> find_closest(store::Index &index, const PreparedKey &key,
                                    const std::string &name) {
    store::Statement query(index.database(),
                           "SELECT key, key_record, name, stopped_ns FROM entries "
                           "WHERE key <> ?1 AND (name = ?2 OR instr(key_record, ?3) > 0) "
                           "ORDER BY started_ns DESC LIMIT ?4");
    const std::string &argv0 = key.record.argv[0];
    query.bind(1, key.key).bind(2, name);
    query
        .bind(3, "fleche-key " + std::to_string(key::key_format_version) + "\nargv " +
                     record_str(argv0) + "\n")
        .bind(4, int64_t(max_candidates));
    std::optional<Closest> best;
    std::tuple<bool, bool, bool, size_t> best_rank;
    while (query.step()) {
        auto record = key::KeyRecord::parse(query.text(1));
        if (!record || record->argv.empty())
            continue; // written by another key format: nothing comparable
        Closest candidate{query.text(0), query.text(2), query.integer(3),
                          key::diff_records(*record, key.record, key.tool.path)};
        auto rank = std::make_tuple(record->argv[0] != argv0, candidate.name != name,
                                    record->argv.size() != key.record.argv.size(),
                                    candidate.differences.size());
        if (!best || rank < best_rank) {
            best = std::move(candidate);
            best_rank = rank;
        }
    }
    return best;
}

std::string one_line_reason(store::Index &index, const PreparedKey &key, const std::string &name) {
    auto closest = find_closest(index, key, name);
    if (!closest)
        return "nothing stored for " + name + " yet";
    std::string short_key = store::short_key(index.database(), closest->key);
    if (closest->differences.empty())
        return "nothing stored under this key (closest: " + short_key + ")";
    std::string line = closest->differences.front();
    size_t more = closest->differences.size() - 1;
    if (more)
        line += " (and " + std::to_string(more) + " more difference" + (more > 1 ? "s" : "") +
                " from " + short_key + ")";
    else
        line += " (compared with " + short_key + ")";
    return line;
}

} // namespace fleche::engine
