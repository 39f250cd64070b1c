#include "store/path_set_list.hpp"

#include "key/key_record.hpp"
#include "store/entry_file.hpp"

#include "util/sha256.hpp"

#include <algorithm>
#include <charconv>

namespace fleche::store {

namespace {

constexpr std::string_view list_magic = "fleche-path-sets ";
constexpr std::string_view list_checksum_tag = "sha256 ";

bool list_has_digest(PathState::Kind kind) {
    return kind == PathState::Kind::content || kind == PathState::Kind::listing;
}

// A strict reader of the body: the first thing that is not as expected
// stops it, with why.
class ListReader {
  public:
    explicit ListReader(std::string_view text) : rest_(text) {}
    bool ok() const { return why_.empty(); }
    const std::string &why() const { return why_; }
    bool done() const { return rest_.empty(); }
    bool at(std::string_view w) const { return ok() && rest_.starts_with(w); }
    // As entry files read it (entry_file.hpp): one codec of the path line.
    PathState path_line() {
        std::string why;
        std::optional<PathState> p;
        if (ok() && !(p = read_path_line(rest_, why)))
            fail(why);
        return p ? std::move(*p) : PathState{};
    }
    void fail(std::string why) {
        if (ok())
            why_ = std::move(why);
    }
    void word(std::string_view w) {
        if (!ok())
            return;
        if (!rest_.starts_with(w))
            return fail("expected '" + std::string(w) + "'");
        rest_.remove_prefix(w.size());
    }
    uint64_t number() {
        uint64_t value = 0;
        if (!ok())
            return 0;
        auto [end, ec] = std::from_chars(rest_.data(), rest_.data() + rest_.size(), value);
        if (ec != std::errc() || end == rest_.data() ||
            (rest_[0] == '0' && end - rest_.data() > 1)) {
            fail("a malformed number");
            return 0;
        }
        rest_.remove_prefix(static_cast<size_t>(end - rest_.data()));
        return value;
    }
    size_t left() const { return rest_.size(); }
    std::string hex() {
        if (!ok())
            return "";
        std::string_view text = rest_.substr(0, 64);
        if (!is_hex_digest(text)) {
            fail("a malformed digest");
            return "";
        }
        rest_.remove_prefix(64);
        return std::string(text);
    }

  private:
    std::string_view rest_;
    std::string why_;
};

} // namespace

void append_path_lines(std::string &out, const PathSet &set) {
    for (const auto &p : set.paths) {
        out += "path ";
        key::append_record_str(out, p.path);
        out += ' ';
        out += path_state_word(p.kind);
        if (list_has_digest(p.kind)) {
            out += ' ';
            out += p.digest;
        }
        out += '\n';
    }
}

std::string encode_path_lines(const PathSet &set) {
    std::string out;
    append_path_lines(out, set);
    return out;
}

std::string traced_entry_key_of_lines(std::string_view k1, std::string_view path_lines) {
    Sha256 h;
    h.update("fleche-traced 1\nkey ");
    h.update(k1);
    h.update("\n");
    h.update(path_lines);
    return h.finish_hex();
}

std::string traced_entry_key(const std::string &k1, const PathSet &set) {
    return traced_entry_key_of_lines(k1, encode_path_lines(set));
}

std::string encode_path_set_list(const PathSetList &list) {
    std::string out;
    out += list_magic;
    out += std::to_string(path_set_list_version) + "\n";
    out += "key " + list.key + "\n";
    for (const auto &item : list.items) {
        out += "item " + item.key + " " + std::to_string(item.path_set.paths.size()) + "\n";
        append_path_lines(out, item.path_set);
    }
    out += std::string(list_checksum_tag) + sha256_hex(out) + "\n";
    return out;
}

std::optional<PathSetList> decode_path_set_list(std::string_view bytes, std::string *why) {
    auto refuse = [&](std::string reason) -> std::optional<PathSetList> {
        if (why)
            *why = std::move(reason);
        return std::nullopt;
    };
    // The checksum line is the last: "sha256 " + 64 hex + "\n".
    constexpr size_t trailer = list_checksum_tag.size() + 64 + 1;
    if (bytes.size() < trailer || !bytes.ends_with('\n'))
        return refuse("truncated");
    std::string_view body = bytes.substr(0, bytes.size() - trailer);
    std::string_view tail = bytes.substr(body.size());
    if (!tail.starts_with(list_checksum_tag) || !body.ends_with('\n'))
        return refuse("no checksum");
    if (tail.substr(list_checksum_tag.size(), 64) != sha256_hex(body))
        return refuse("checksum mismatch");
    ListReader r(body);
    r.word(list_magic);
    uint64_t version = r.number();
    r.word("\n");
    if (r.ok() && version != path_set_list_version)
        return refuse("path-set list version " + std::to_string(version) + ", not " +
                      std::to_string(path_set_list_version));
    PathSetList list;
    r.word("key ");
    list.key = r.hex();
    r.word("\n");
    while (r.ok() && !r.done()) {
        PathSetItem item;
        r.word("item ");
        item.key = r.hex();
        r.word(" ");
        uint64_t count = r.number();
        r.word("\n");
        // Bounded by what the bytes can hold, "path 0: missing\n" each.
        item.path_set.paths.reserve(std::min<uint64_t>(count, r.left() / 16));
        for (uint64_t i = 0; i < count && r.ok(); ++i)
            item.path_set.paths.push_back(r.path_line());
        list.items.push_back(std::move(item));
    }
    if (!r.ok())
        return refuse(r.why());
    return list;
}

void prepend_path_set(PathSetList &list, PathSetItem item) {
    std::vector<PathSetItem> items;
    items.reserve(std::min(list.items.size() + 1, max_path_sets));
    std::string key = item.key;
    items.push_back(std::move(item));
    for (auto &old : list.items)
        if (old.key != key && items.size() < max_path_sets)
            items.push_back(std::move(old));
    list.items = std::move(items);
}

} // namespace fleche::store
