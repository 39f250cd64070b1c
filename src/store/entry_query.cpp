#include "store/entry_query.hpp"

#include "key/key_record.hpp"
#include "store/index.hpp"

#include <algorithm>
#include <functional>
#include <sqlite3.h>

namespace fleche::store {

namespace {

// fleche_record_has(key_record, element, value): 1 when the parsed key record
// has `value` as a whole argv word (element 'argv') or declared input path
// (element 'input'). A substring search alone is fooled by an argument that
// itself holds a newline and "argv 3:abc".
void record_has(sqlite3_context *context, int, sqlite3_value **args) {
    auto text = [&](int i) {
        const auto *p = reinterpret_cast<const char *>(sqlite3_value_text(args[i]));
        return std::string(p ? p : "", static_cast<size_t>(sqlite3_value_bytes(args[i])));
    };
    auto record = key::KeyRecord::parse(text(0));
    std::string element = text(1), value = text(2);
    bool found = false;
    if (record && element == "argv")
        found = std::find(record->argv.begin(), record->argv.end(), value) != record->argv.end();
    else if (record && element == "input")
        found = std::any_of(record->inputs.begin(), record->inputs.end(),
                            [&](const key::InputDigest &input) { return input.path == value; });
    sqlite3_result_int(context, found);
}

void register_record_has(Database &db) {
    if (sqlite3_create_function(db.handle(), "fleche_record_has", 3,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, record_has, nullptr,
                                nullptr) != SQLITE_OK)
        db.fail("cannot register fleche_record_has");
}

// A WHERE clause and the values its placeholders are bound to, in order.
struct Conditions {
    std::string sql;
    std::vector<std::function<void(Statement &, int)>> binds;

    void add(const std::string &condition) {
        sql += (sql.empty() ? " WHERE " : " AND ") + condition;
    }
    void add(const std::string &condition, std::string value) {
        add(condition);
        bind(std::move(value));
    }
    // For a placeholder that the caller appended to sql itself.
    void bind(std::string value) {
        binds.push_back([value](Statement &s, int i) { s.bind(i, value); });
    }
    void add(const std::string &condition, int64_t value) {
        add(condition);
        binds.push_back([value](Statement &s, int i) { s.bind(i, value); });
    }
};

// A pattern without GLOB's special characters matches only itself: as an
// equality, SQLite reads the entries of that one name from
// entries_name_started, newest first, where a GLOB of a bound pattern walks
// every entry in time order (EXPLAIN QUERY PLAN).
bool is_literal(const std::string &glob) {
    return glob.find_first_of("*?[") == std::string::npos;
}

Conditions conditions_of(const EntryFilter &f) {
    Conditions c;
    if (f.name_glob)
        c.add(is_literal(*f.name_glob) ? "name = ?" : "name GLOB ?", *f.name_glob);
    if (f.command_glob)
        c.add("command GLOB ?", *f.command_glob);
    // The substring search is a cheap necessary condition; parsing the
    // record decides, on the rows that pass it.
    if (f.argument) {
        c.add("instr(key_record, ?) > 0", "\n" + key::record_line("argv", *f.argument));
        c.add("fleche_record_has(key_record, 'argv', ?)", *f.argument);
    }
    if (f.input) {
        // Declared (in the key record) or traced (a path of a path set,
        // through the index on path_set_paths.path).
        c.add("((instr(key_record, ?) > 0", "\ninput " + key::record_str(*f.input) + " ");
        c.sql += " AND fleche_record_has(key_record, 'input', ?))";
        c.bind(*f.input);
        c.sql += " OR key IN (SELECT key FROM path_set_paths WHERE path = ?))";
        c.bind(*f.input);
    }
    for (const auto &tag : f.tags) {
        if (tag.value) {
            c.add("EXISTS(SELECT 1 FROM tags t WHERE t.key = entries.key AND t.name = ?", tag.name);
            c.sql += " AND t.value = ?)";
            c.bind(*tag.value);
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

std::vector<std::string> query_keys(Index &index, const EntryFilter &filter) {
    Database &db = index.database();
    register_record_has(db);
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
