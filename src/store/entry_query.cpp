#include "store/entry_query.hpp"

#include <functional>

namespace fleche::store {

namespace {

// "<length>:<bytes>", as the key record spells a string (see key_record.hpp).
std::string record_str(const std::string &text) { return std::to_string(text.size()) + ":" + text; }

// A WHERE clause and the values its placeholders are bound to, in order.
struct Conditions {
    std::string sql;
    std::vector<std::function<void(Statement &, int)>> binds;

    void add(const std::string &condition) { sql += (sql.empty() ? " WHERE " : " AND ") + condition; }
    void add(const std::string &condition, std::string value) {
        add(condition);
        binds.push_back([value](Statement &s, int i) { s.bind(i, value); });
    }
    void add(const std::string &condition, int64_t value) {
        add(condition);
        binds.push_back([value](Statement &s, int i) { s.bind(i, value); });
    }
};

Conditions conditions_of(const EntryFilter &f) {
    Conditions c;
    if (f.name_glob)
        c.add("name GLOB ?", *f.name_glob);
    if (f.command_glob)
        c.add("command GLOB ?", *f.command_glob);
    // The key record holds one line per argument and per input, so a
    // substring search on it is an exact match on the element.
    if (f.argument)
        c.add("instr(key_record, ?) > 0", "\nargv " + record_str(*f.argument) + "\n");
    if (f.input)
        c.add("instr(key_record, ?) > 0", "\ninput " + record_str(*f.input) + " ");
    for (const auto &tag : f.tags) {
        if (tag.value) {
            c.add("EXISTS(SELECT 1 FROM tags t WHERE t.key = entries.key AND t.name = ?",
                  tag.name);
            c.sql += " AND t.value = ?)";
            std::string value = *tag.value;
            c.binds.push_back([value](Statement &s, int i) { s.bind(i, value); });
        } else {
            c.add("EXISTS(SELECT 1 FROM tags t WHERE t.key = entries.key AND t.name = ?)",
                  tag.name);
        }
    }
    if (f.exit_code)
        c.add("exit_code = ?", int64_t(*f.exit_code));
    if (f.failed)
        c.add("exit_code <> 0");
    if (f.since_ns)
        c.add("started_ns >= ?", *f.since_ns);
    if (f.before_ns)
        c.add("started_ns < ?", *f.before_ns);
    return c;
}

const char *order_by(EntryOrder order) {
    switch (order) {
    case EntryOrder::duration:
        return " ORDER BY stopped_ns - started_ns DESC, key";
    case EntryOrder::size:
        return " ORDER BY log_size + outputs_size DESC, key";
    case EntryOrder::hits:
        return " ORDER BY hits DESC, key";
    case EntryOrder::newest:
        break;
    }
    return " ORDER BY started_ns DESC, key";
}

} // namespace

std::vector<std::string> query_keys(Database &db, const EntryFilter &filter) {
    Conditions c = conditions_of(filter);
    std::string sql = "SELECT key FROM entries" + c.sql + order_by(filter.order);
    if (filter.limit)
        sql += " LIMIT " + std::to_string(*filter.limit);
    Statement query(db, sql.c_str());
    for (size_t i = 0; i < c.binds.size(); ++i)
        c.binds[i](query, static_cast<int>(i + 1));
    std::vector<std::string> keys;
    while (query.step())
        keys.push_back(query.text(0));
    return keys;
}

} // namespace fleche::store
