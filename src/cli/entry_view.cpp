#include "cli/entry_view.hpp"

#include "key/key_record.hpp"
#include "store/counters.hpp"
#include "store/key_prefix.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>

namespace fleche::cli {

namespace {

// How many candidates an ambiguous prefix lists.
constexpr int max_candidates = 10;

std::string format_time(int64_t ns, bool utc, const char *format) {
    time_t seconds = static_cast<time_t>(ns / 1000000000);
    tm parts{};
    if (utc)
        ::gmtime_r(&seconds, &parts);
    else
        ::localtime_r(&seconds, &parts);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, format, &parts);
    return buffer;
}

} // namespace

std::string resolve_key(store::Index &index, const std::string &prefix, const OtherKeys &others) {
    std::string lower = prefix;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.size() < store::min_key_prefix || lower.size() > 64 ||
        lower.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw Error("'" + prefix +
                    "' is not a key; give at least 4 of its hex digits "
                    "(see fleche query)");
    auto keys = store::keys_with_prefix(index, lower, max_candidates + 1);
    if (others) {
        for (auto &key : others(lower))
            if (std::find(keys.begin(), keys.end(), key) == keys.end())
                keys.push_back(std::move(key));
        std::sort(keys.begin(), keys.end());
    }
    if (keys.empty())
        throw Error("no stored entry has a key starting with '" + lower + "' (see fleche query)");
    if (keys.size() > 1) {
        std::string message = "key prefix '" + lower + "' is ambiguous; it starts ";
        for (size_t i = 0; i < keys.size() && i < size_t(max_candidates); ++i)
            message += (i ? ", " : "") + store::short_key(index, keys[i]);
        if (keys.size() > size_t(max_candidates))
            message += ", ...";
        throw Error(message + "; give more digits");
    }
    return keys.front();
}

store::Entry load_entry(store::Index &index, const std::string &key) {
    auto entry = index.find(key);
    if (!entry)
        throw Error("the entry " + key + " was removed meanwhile");
    entry->tags = store::read_tags(index, key);
    return *entry;
}

void write_entry_fields(JsonWriter &json, store::Index &index, const store::Entry &e) {
    json.key("key").value(e.key);
    json.key("short_key").value(store::short_key(index, e.key));
    json.key("name").value(e.name);
    json.key("command").value(e.command);
    json.key("exit_code").value(e.exit_code);
    json.key("started").value(utc_time(e.started_ns));
    json.key("started_ns").value(e.started_ns);
    json.key("stopped_ns").value(e.stopped_ns);
    json.key("wall_ns").value(e.wall_ns());
    json.key("user_ns").value(e.user_ns);
    json.key("system_ns").value(e.system_ns);
    json.key("max_rss_kb").value(e.max_rss_kb);
    json.key("host").value(e.host);
    json.key("user").value(e.user);
    json.key("cwd").value(e.cwd);
    json.key("fleche_version").value(e.fleche_version);
    json.key("log_size").value(e.log_size);
    json.key("outputs_size").value(e.outputs_size);
    json.key("size").value(e.log_size + e.outputs_size);
    json.key("hits").value(e.hits);
    json.key("last_use_ns").value(e.last_use_ns);
    json.key("tags").begin_object();
    for (const auto &tag : e.tags)
        json.key(tag.name).value(tag.value);
    json.end_object();
}

std::string command_line(const store::Entry &entry) {
    std::string safe = printable(entry.command);
    if (safe == entry.command)
        return safe; // nearly always: no key record to parse
    if (auto record = key::KeyRecord::parse(entry.key_record))
        return printable_shell_join(record->argv);
    return safe;
}

std::string local_time(int64_t ns) {
    return format_time(ns, false, "%Y-%m-%d %H:%M:%S");
}
std::string utc_time(int64_t ns) {
    return format_time(ns, true, "%Y-%m-%dT%H:%M:%SZ");
}

int64_t parse_time_point(const std::string &text, const std::string &what, int64_t now_ns) {
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])) &&
        text.find('-') == std::string::npos)
        return now_ns - parse_duration(text, what);
    for (const char *format : {"%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                               "%Y-%m-%d %H:%M:%S"}) {
        tm parts{};
        const char *end = ::strptime(text.c_str(), format, &parts);
        if (!end || *end)
            continue;
        parts.tm_isdst = -1;
        time_t seconds = std::mktime(&parts);
        if (seconds == -1)
            continue;
        // Beyond 2262 nanoseconds overflow: such a date is "the far future".
        constexpr int64_t max_seconds = INT64_MAX / 1000000000;
        return int64_t(std::min<time_t>(seconds, max_seconds)) * 1000000000;
    }
    throw Error(what + ": '" + text +
                "' is neither a duration (as in 90s, 15m, 2h, 7d) nor a "
                "date (as in 2024-05-01 or 2024-05-01T12:00)");
}

} // namespace fleche::cli
