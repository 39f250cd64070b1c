#include "store/index_columns.hpp"

#include <string_view>

namespace fleche::store {

std::vector<std::string> split_columns(const char *list) {
    std::vector<std::string> names;
    std::string_view rest = list;
    while (!rest.empty()) {
        size_t comma = rest.find(", ");
        names.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 2);
    }
    return names;
}

std::string placeholders(int count) {
    std::string list;
    for (int i = 0; i < count; ++i)
        list += i ? ",?" : "?";
    return list;
}

void bind_entry(Statement &s, const Entry &e) {
    s.bind(1, e.key).bind(2, e.key_record).bind(3, e.name).bind(4, e.command);
    s.bind(5, int64_t(e.exit_code)).bind(6, e.log_blob).bind(7, int64_t(e.log_size));
    s.bind(8, int64_t(e.outputs_size)).bind(9, e.started_ns).bind(10, e.stopped_ns);
    s.bind(11, e.user_ns).bind(12, e.system_ns).bind(13, e.max_rss_kb);
    s.bind(14, e.host).bind(15, e.user).bind(16, e.cwd).bind(17, e.fleche_version);
    s.bind(18, e.hits).bind(19, e.last_use_ns);
}

Entry read_entry(const Statement &row) {
    Entry e;
    e.key = row.text(0);
    e.key_record = row.text(1);
    e.name = row.text(2);
    e.command = row.text(3);
    e.exit_code = static_cast<int>(row.integer(4));
    e.log_blob = row.text(5);
    e.log_size = static_cast<uint64_t>(row.integer(6));
    e.outputs_size = static_cast<uint64_t>(row.integer(7));
    e.started_ns = row.integer(8);
    e.stopped_ns = row.integer(9);
    e.user_ns = row.integer(10);
    e.system_ns = row.integer(11);
    e.max_rss_kb = row.integer(12);
    e.host = row.text(13);
    e.user = row.text(14);
    e.cwd = row.text(15);
    e.fleche_version = row.text(16);
    e.hits = row.integer(17);
    e.last_use_ns = row.integer(18);
    return e;
}

void bind_output(Statement &s, const std::string &key, const OutputRecord &o) {
    s.bind(1, key).bind(2, o.path).bind(3, int64_t(o.type));
    s.bind(4, int64_t(o.executable ? 1 : 0));
    if (o.type == OutputType::file)
        s.bind(5, o.blob);
    else
        s.bind_null(5);
    s.bind(6, o.target).bind(7, int64_t(o.size));
    if (o.mode)
        s.bind(8, int64_t(*o.mode));
    else
        s.bind_null(8);
}

OutputRecord read_output(const Statement &row) {
    OutputRecord o;
    o.path = row.text(1);
    o.type = static_cast<OutputType>(row.integer(2));
    o.executable = row.integer(3) != 0;
    o.blob = row.text(4);
    o.target = row.text(5);
    o.size = static_cast<uint64_t>(row.integer(6));
    if (!row.is_null(7))
        o.mode = static_cast<uint32_t>(row.integer(7));
    return o;
}

} // namespace fleche::store
