#include "store/entry_file.hpp"

#include "util/sha256.hpp"

#include <algorithm>
#include <charconv>

namespace fleche::store {

namespace {

constexpr std::string_view magic = "fleche-entry ";
constexpr std::string_view checksum_tag = "sha256 ";

class Writer {
  public:
    Writer &word(std::string_view text) {
        out_ += text;
        return *this;
    }
    Writer &str(std::string_view text) {
        out_ += std::to_string(text.size());
        out_ += ':';
        out_ += text;
        return *this;
    }
    Writer &number(int64_t value) {
        out_ += std::to_string(value);
        return *this;
    }
    Writer &space() { return word(" "); }
    void end() { out_ += '\n'; }
    std::string &bytes() { return out_; }

  private:
    std::string out_;
};

const char *type_name(OutputType type) {
    switch (type) {
    case OutputType::directory:
        return "dir";
    case OutputType::symlink:
        return "link";
    case OutputType::file:
        break;
    }
    return "file";
}

std::string octal(uint32_t mode) {
    char text[16];
    auto [end, ec] = std::to_chars(text, text + sizeof text, mode, 8);
    return std::string(text, end);
}

void write_output(Writer &w, const OutputRecord &o) {
    w.word("output ").str(o.path).space().word(type_name(o.type)).space();
    w.word(o.executable ? "1" : "0").space().word(o.mode ? octal(*o.mode) : "-").space();
    w.word(o.type == OutputType::file ? std::string_view(o.blob) : "-").space();
    w.number(static_cast<int64_t>(o.size)).space().str(o.target).end();
}

void write_path_set(Writer &w, const PathSet &set) {
    w.word("path-set ").number(static_cast<int64_t>(set.paths.size())).end();
    for (const auto &p : set.paths) {
        w.word("path ").str(p.path).space().word(path_state_word(p.kind));
        if (p.kind == PathState::Kind::content || p.kind == PathState::Kind::listing)
            w.space().word(p.digest);
        w.end();
    }
}

// A cursor over the bytes that records the first thing wrong and then
// refuses everything: callers check ok() once per element.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : rest_(bytes) {}

    bool ok() const { return why_.empty(); }
    const std::string &why() const { return why_; }
    bool fail(std::string why) {
        if (ok())
            why_ = std::move(why);
        return false;
    }
    bool at(std::string_view word) const { return ok() && rest_.starts_with(word); }
    bool done() const { return rest_.empty(); }
    PathState path_line() {
        std::string why;
        std::optional<PathState> p;
        if (ok() && !(p = read_path_line(rest_, why)))
            fail(why);
        return p ? std::move(*p) : PathState{};
    }

    bool word(std::string_view expected) {
        if (!ok())
            return false;
        if (!rest_.starts_with(expected))
            return fail("expected '" + std::string(expected) + "'");
        rest_.remove_prefix(expected.size());
        return true;
    }
    bool space() { return word(" "); }
    bool end() { return word("\n"); }

    size_t left() const { return rest_.size(); }
    const char *here() const { return rest_.data(); }

    // A view into the bytes, valid as long as they are: most tokens are
    // compared or parsed, not kept.
    std::string_view token() {
        size_t n = 0;
        while (n < rest_.size() && rest_[n] != ' ' && rest_[n] != '\n')
            ++n;
        if (!ok() || n == 0 || n == rest_.size()) {
            fail("truncated");
            return {};
        }
        std::string_view text = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return text;
    }
    // A digest is the only token of its fixed size: checked in place, copied
    // once.
    std::string hex() {
        if (!ok())
            return {};
        constexpr size_t n = 64;
        if (rest_.size() > n && (rest_[n] == ' ' || rest_[n] == '\n') &&
            is_hex_digest(rest_.substr(0, n))) {
            std::string text(rest_.substr(0, n));
            rest_.remove_prefix(n);
            return text;
        }
        token(); // "truncated" when there is no token at all
        fail("a malformed digest");
        return {};
    }
    template <class T = int64_t> T integer(int base = 10) {
        std::string_view text = token();
        T value = 0;
        if (!ok())
            return 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
        if (ec != std::errc() || end != text.data() + text.size())
            fail("a malformed number");
        return value;
    }
    // The length is canonical, as the writer writes it (no leading zero), so
    // that a path set's lines are the bytes encode_path_lines makes of what
    // was read (see path_lines).
    std::string str() {
        uint64_t size = 0;
        size_t colon = rest_.find(':');
        if (!ok() || colon == std::string_view::npos || colon == 0 || colon > 20 ||
            (colon > 1 && rest_[0] == '0')) {
            fail("a malformed string");
            return {};
        }
        auto [end, ec] = std::from_chars(rest_.data(), rest_.data() + colon, size);
        if (ec != std::errc() || end != rest_.data() + colon || size > rest_.size() - colon - 1) {
            fail("a malformed string");
            return {};
        }
        std::string text(rest_.substr(colon + 1, size));
        rest_.remove_prefix(colon + 1 + size);
        return text;
    }

    // "<tag>" STR "\n"
    std::string line_str(std::string_view tag) {
        word(tag);
        std::string text = str();
        end();
        return text;
    }
    int64_t line_integer(std::string_view tag) {
        word(tag);
        int64_t value = integer();
        end();
        return value;
    }

  private:
    std::string_view rest_;
    std::string why_;
};

std::optional<OutputType> output_type(std::string_view name) {
    if (name == "file")
        return OutputType::file;
    if (name == "dir")
        return OutputType::directory;
    if (name == "link")
        return OutputType::symlink;
    return std::nullopt;
}

void read_output(Reader &r, Entry &e) {
    OutputRecord o;
    r.word("output ");
    o.path = r.str();
    r.space();
    auto type = output_type(r.token());
    if (!type) {
        r.fail("an unknown output type");
        return;
    }
    o.type = *type;
    r.space();
    std::string_view exec = r.token();
    if (exec != "0" && exec != "1")
        r.fail("a malformed executable flag");
    o.executable = exec == "1";
    r.space();
    if (r.at("-"))
        r.word("-");
    else
        o.mode = static_cast<uint32_t>(r.integer(8));
    if (o.mode && *o.mode > 07777)
        r.fail("a malformed mode");
    r.space();
    if (o.type == OutputType::file)
        o.blob = r.hex();
    else
        r.word("-");
    r.space();
    o.size = r.integer<uint64_t>();
    r.space();
    o.target = r.str();
    r.end();
    e.outputs_size += o.size;
    e.outputs.push_back(std::move(o));
}

// The shortest path line, "path 0: missing\n": what a count can be trusted
// with before the lines are read.
constexpr size_t min_path_line = 16;

// `lines`, when given, is set to the bytes of the set's path lines.
void read_path_set(Reader &r, Entry &e, std::string_view *lines) {
    r.word("path-set ");
    uint64_t count = r.integer<uint64_t>();
    r.end();
    PathSet set;
    set.paths.reserve(std::min<uint64_t>(count, r.left() / min_path_line));
    const char *begin = r.here();
    for (uint64_t i = 0; i < count && r.ok(); ++i)
        set.paths.push_back(r.path_line());
    if (lines)
        *lines = std::string_view(begin, static_cast<size_t>(r.here() - begin));
    e.path_sets.push_back(std::move(set));
}

void read_body(Reader &r, Entry &e, std::string_view *first_path_lines) {
    r.word("key ");
    e.key = r.hex();
    r.end();
    e.key_record = r.line_str("record ");
    e.exit_code = static_cast<int>(r.line_integer("exit "));
    r.word("log ");
    e.log_blob = r.hex();
    r.space();
    e.log_size = r.integer<uint64_t>();
    r.end();
    e.started_ns = r.line_integer("started ");
    e.stopped_ns = r.line_integer("stopped ");
    r.word("cpu ");
    e.user_ns = r.integer();
    r.space();
    e.system_ns = r.integer();
    r.end();
    e.max_rss_kb = r.line_integer("max-rss-kb ");
    e.host = r.line_str("host ");
    e.user = r.line_str("user ");
    e.cwd = r.line_str("cwd ");
    e.fleche_version = r.line_str("fleche ");
    e.name = r.line_str("name ");
    e.command = r.line_str("command ");
    while (r.at("tag ")) {
        Tag t;
        r.word("tag ");
        t.name = r.str();
        r.space();
        t.value = r.str();
        r.end();
        e.tags.push_back(std::move(t));
    }
    while (r.at("output "))
        read_output(r, e);
    while (r.at("path-set "))
        read_path_set(r, e, e.path_sets.empty() ? first_path_lines : nullptr);
    if (r.ok() && !r.done())
        r.fail("an unexpected line");
}

} // namespace

std::string encode_entry(const Entry &e) {
    Writer w;
    w.word(magic).number(entry_format_version).end();
    w.word("key ").word(e.key).end();
    w.word("record ").str(e.key_record).end();
    w.word("exit ").number(e.exit_code).end();
    w.word("log ").word(e.log_blob).space().number(static_cast<int64_t>(e.log_size)).end();
    w.word("started ").number(e.started_ns).end();
    w.word("stopped ").number(e.stopped_ns).end();
    w.word("cpu ").number(e.user_ns).space().number(e.system_ns).end();
    w.word("max-rss-kb ").number(e.max_rss_kb).end();
    w.word("host ").str(e.host).end();
    w.word("user ").str(e.user).end();
    w.word("cwd ").str(e.cwd).end();
    w.word("fleche ").str(e.fleche_version).end();
    w.word("name ").str(e.name).end();
    w.word("command ").str(e.command).end();
    for (const auto &t : e.tags)
        w.word("tag ").str(t.name).space().str(t.value).end();
    for (const auto &o : e.outputs)
        write_output(w, o);
    for (const auto &set : e.path_sets)
        write_path_set(w, set);
    std::string checksum = sha256_hex(w.bytes());
    w.word(checksum_tag).word(checksum).end();
    return std::move(w.bytes());
}

std::optional<Entry> decode_entry(std::string_view bytes, std::string *why) {
    return decode_entry(bytes, why, nullptr);
}

std::optional<Entry> decode_entry(std::string_view bytes, std::string *why,
                                  std::string_view *first_path_lines) {
    auto refuse = [&](std::string reason) -> std::optional<Entry> {
        if (why)
            *why = std::move(reason);
        return std::nullopt;
    };
    if (!bytes.starts_with(magic))
        return refuse("not an entry file");
    // The checksum line is the last: 7 + 64 + 1 bytes.
    constexpr size_t trailer = checksum_tag.size() + 64 + 1;
    if (bytes.size() < magic.size() + trailer || bytes.back() != '\n')
        return refuse("truncated");
    std::string_view body = bytes.substr(0, bytes.size() - trailer);
    std::string_view last = bytes.substr(body.size());
    if (!body.ends_with('\n') || !last.starts_with(checksum_tag))
        return refuse("truncated");
    Reader header(body);
    header.word(magic);
    int64_t version = header.integer();
    if (!header.ok())
        return refuse("a malformed header");
    if (version != entry_format_version)
        return refuse("entry format version " + std::to_string(version) + ", not " +
                      std::to_string(entry_format_version));
    if (last.substr(checksum_tag.size(), 64) != sha256_hex(body))
        return refuse("the checksum does not match");
    header.end();
    Entry entry;
    read_body(header, entry, first_path_lines);
    if (!header.ok())
        return refuse(header.why());
    return entry;
}

std::optional<PathState> read_path_line(std::string_view &text, std::string &why) {
    std::string_view rest = text;
    auto refuse = [&](const char *reason) -> std::optional<PathState> {
        why = reason;
        return std::nullopt;
    };
    auto take = [&](std::string_view word) {
        bool there = rest.starts_with(word);
        if (there)
            rest.remove_prefix(word.size());
        return there;
    };
    if (!take("path "))
        return refuse("expected 'path '");
    size_t colon = rest.find(':');
    uint64_t size = 0;
    if (colon == std::string_view::npos || colon == 0 || colon > 20 ||
        (colon > 1 && rest[0] == '0'))
        return refuse("a malformed string");
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + colon, size);
    if (ec != std::errc() || end != rest.data() + colon || size > rest.size() - colon - 1)
        return refuse("a malformed string");
    PathState p;
    p.path = std::string(rest.substr(colon + 1, size));
    rest.remove_prefix(colon + 1 + size);
    if (!take(" "))
        return refuse("expected ' '");
    if (take("missing")) {
        p.kind = PathState::Kind::missing;
    } else if (take("directory")) {
        p.kind = PathState::Kind::directory;
    } else if (take("cwd")) {
        p.kind = PathState::Kind::cwd;
    } else {
        if (take("content "))
            p.kind = PathState::Kind::content;
        else if (take("listing "))
            p.kind = PathState::Kind::listing;
        else
            return refuse("an unknown path state");
        if (!is_hex_digest(rest.substr(0, 64)))
            return refuse("a malformed digest");
        p.digest = std::string(rest.substr(0, 64));
        rest.remove_prefix(64);
    }
    if (!take("\n"))
        return refuse("expected the end of the line");
    text = rest;
    return p;
}

const char *path_state_word(PathState::Kind kind) {
    switch (kind) {
    case PathState::Kind::content:
        return "content";
    case PathState::Kind::listing:
        return "listing";
    case PathState::Kind::directory:
        return "directory";
    case PathState::Kind::cwd:
        return "cwd";
    case PathState::Kind::missing:
        break;
    }
    return "missing";
}

} // namespace fleche::store
