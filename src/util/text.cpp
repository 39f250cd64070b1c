#include "util/text.hpp"

#include <cstdint>
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
        std::snprintf(buffer, sizeof buffer, "%lldm%02llds", (long long)(s / 60),
                      (long long)(s % 60));
    else if (s < 86400)
        std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", (long long)(s / 3600),
                      (long long)(s % 3600 / 60));
    else
        std::snprintf(buffer, sizeof buffer, "%lldd%02lldh", (long long)(s / 86400),
                      (long long)(s % 86400 / 3600));
    return buffer;
}

namespace {

// The character at s[i]: its length, and whether it must not reach a
// terminal raw (a control character, or a byte that is not UTF-8).
struct Character {
    size_t length;
    bool unsafe;
};

Character character_at(std::string_view s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_length(s, i);
    if (n == 0)
        return {1, true};
    if (n == 1)
        return {1, c < 0x20 || c == 0x7f};
    // C1 controls (U+0080..U+009F): some terminals read U+009B as CSI.
    return {n, n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0};
}

bool all_safe(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        Character ch = character_at(s, i);
        if (ch.unsafe)
            return false;
        i += ch.length;
    }
    return true;
}

// The escapes that both bash's $'...' and printable() use.
void escape_byte(std::string &out, unsigned char c) {
    if (c == '\n') {
        out += "\\n";
    } else if (c == '\t') {
        out += "\\t";
    } else if (c == '\r') {
        out += "\\r";
    } else {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
        out += buffer;
    }
}

// Appends `text` with its unsafe characters escaped; `also` lists the
// characters that get a backslash in front of them.
void append_escaped(std::string &out, std::string_view text, std::string_view also) {
    for (size_t i = 0; i < text.size();) {
        Character ch = character_at(text, i);
        if (ch.unsafe)
            for (size_t k = 0; k < ch.length; ++k)
                escape_byte(out, static_cast<unsigned char>(text[i + k]));
        else if (ch.length == 1 && also.find(text[i]) != std::string_view::npos)
            out.append({'\\', text[i]});
        else
            out.append(text.substr(i, ch.length));
        i += ch.length;
    }
}

// shell_join(), with printable() escapes in $'...' when `escape` is set.
std::string join(const std::vector<std::string> &argv, bool escape) {
    std::string out;
    for (const auto &arg : argv) {
        if (!out.empty())
            out += ' ';
        bool plain =
            !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                  "0123456789-_./=:,+@%") == std::string::npos;
        if (plain) {
            out += arg;
        } else if (escape && !all_safe(arg)) {
            out += "$'";
            append_escaped(out, arg, "\\'");
            out += '\'';
        } else {
            out += '\'';
            for (char c : arg)
                out += c == '\'' ? std::string("'\\''") : std::string(1, c);
            out += '\'';
        }
    }
    return out;
}

} // namespace

size_t utf8_length(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    uint32_t code = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80)
            return 0;
        code = (code << 6) | (byte(i + k) & 0x3f);
    }
    static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[n] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0; // overlong, out of range or a surrogate
    return n;
}

std::string shell_join(const std::vector<std::string> &argv) {
    return join(argv, false);
}
std::string printable_shell_join(const std::vector<std::string> &argv) {
    return join(argv, true);
}

std::string printable(std::string_view text) {
    if (all_safe(text))
        return std::string(text);
    std::string out;
    append_escaped(out, text, "");
    return out;
}

std::string quoted(const std::string &text) {
    std::string out = "\"";
    append_escaped(out, text, "\"\\");
    return out + "\"";
}

std::string base_name(const std::string &path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace fleche
