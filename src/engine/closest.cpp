#include "engine/closest.hpp"

#include "key/key_diff.hpp"
#include "store/closest_query.hpp"
#include "store/key_prefix.hpp"

#include <tuple>

namespace fleche::engine {

namespace {

// How many recent candidates are compared: enough for any realistic
// history of one command, bounded so that explain stays quick.
constexpr int max_candidates = 500;

} // namespace

std::optional<Closest> find_closest(store::Index &index, const PreparedKey &key,
                                    const std::string &name) {
    const std::string &argv0 = key.record.argv[0];
    std::optional<Closest> best;
    std::tuple<bool, bool, bool, size_t> best_rank;
    for (auto &row : store::recent_candidates(index, key.key, name, argv0, max_candidates)) {
        auto record = key::KeyRecord::parse(row.key_record);
        if (!record || record->argv.empty())
            continue; // written by another key format: nothing comparable
        Closest candidate{std::move(row.key), std::move(row.name), row.stopped_ns,
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
    std::string short_key = store::short_key(index, closest->key);
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
