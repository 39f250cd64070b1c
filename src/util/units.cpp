#include "util/units.hpp"

#include "util/error.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace fleche {

namespace {

// Splits "1.5G" into 1.5 and "G"; false when there is no leading number.
bool split_number(const std::string &text, double &number, std::string &unit) {
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.'))
        return false;
    char *end = nullptr;
    number = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !std::isfinite(number) || number < 0)
        return false;
    unit = end;
    return true;
}

} // namespace

int64_t parse_duration(const std::string &text, const std::string &what) {
    double number = 0;
    std::string unit;
    if (split_number(text, number, unit)) {
        double seconds = -1;
        if (unit.empty() || unit == "s")
            seconds = number;
        else if (unit == "ms")
            seconds = number / 1000;
        else if (unit == "m")
            seconds = number * 60;
        else if (unit == "h")
            seconds = number * 3600;
        else if (unit == "d")
            seconds = number * 86400;
        else if (unit == "w")
            seconds = number * 7 * 86400;
        if (seconds >= 0 && seconds < 9e9)
            return static_cast<int64_t>(std::llround(seconds * 1e9));
    }
    throw Error(what + ": '" + text +
                "' is not a duration; write a number with a unit: ms, s, m, h, d or w "
                "(as in 90s, 15m, 2h, 7d)");
}

uint64_t parse_size(const std::string &text, const std::string &what) {
    double number = 0;
    std::string unit;
    if (split_number(text, number, unit)) {
        if (unit.ends_with("iB"))
            unit.resize(unit.size() - 2);
        else if (unit.size() == 2 && unit.back() == 'B')
            unit.pop_back();
        else if (unit == "B")
            unit.clear();
        static const std::string units = "KMGT";
        double factor = 0;
        if (unit.empty())
            factor = 1;
        else if (unit.size() == 1 &&
                 units.find(static_cast<char>(std::toupper(unit[0]))) != std::string::npos)
            factor = std::pow(
                1024.0,
                static_cast<double>(units.find(static_cast<char>(std::toupper(unit[0]))) + 1));
        if (factor > 0 && number * factor < 1.8e19)
            return static_cast<uint64_t>(std::llround(number * factor));
    }
    throw Error(what + ": '" + text +
                "' is not a size; write a number with an optional unit K, M, G or T "
                "(powers of 1024, as in 500M or 20G)");
}

std::string format_size(uint64_t bytes) {
    static const char *const units[] = {"K", "M", "G", "T"};
    if (bytes < 1024)
        return std::to_string(bytes) + "B";
    double value = static_cast<double>(bytes);
    int unit = -1;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f%s", value, units[unit]);
    return buffer;
}

} // namespace fleche
