#include "util/text.hpp"

#include <cstdio>

namespace fleche {

std::string format_duration(int64_t ns) {
    char buffer[32];
    double ms = static_cast<double>(ns) / 1e6;
    int64_t s = ns / 1000000000;
    if (ms < 10)
        std::snprintf(buffer, sizeof buffer, "%.1fms", ms);
    else if (ms < 1000)
        std::snprintf(buffer, sizeof buffer, "%.0fms", ms);
    else if (s < 60)
        std::snprintf(buffer, sizeof buffer, "%.2fs", ms / 1000);
    else if (s < 3600)
        std::snprintf(buffer, sizeof buffer, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else if (s < 86400)
        std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", (long long)(s / 3600),
                      (long long)(s % 3600 / 60));
    else
        std::snprintf(buffer, sizeof buffer, "%lldd%02lldh", (long long)(s / 86400),
                      (long long)(s % 86400 / 3600));
    return buffer;
}

std::string shell_join(const std::vector<std::string> &argv) {
    std::string out;
    for (const auto &arg : argv) {
        if (!out.empty())
            out += ' ';
        bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789-_./=:,+@%") ==
                                         std::string::npos;
        if (plain) {
            out += arg;
            continue;
        }
        out += '\'';
        for (char c : arg)
            out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

std::string quoted(const std::string &text) {
    std::string out = "\"";
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", u);
            out += buffer;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string base_name(const std::string &path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace fleche
