// KeyRecord::parse, the inverse of KeyRecord::encode (see key_record.hpp).
#include "key/key_record.hpp"

namespace fleche::key {

namespace {

// Reads the elements of one encoded line from left to right.
class LineReader {
  public:
    LineReader(const std::string &text, size_t pos) : text_(text), pos_(pos) {}

    // The field name up to the first space.
    bool field(std::string &name) { return word(name); }

    // A length-prefixed "<n>:<bytes>".
    bool str(std::string &out) { return read_record_str(text_, pos_, out); }

    // Up to the next space or end of line.
    bool word(std::string &out) {
        size_t end = text_.find_first_of(" \n", pos_);
        if (end == std::string::npos || end == pos_)
            return false;
        out = text_.substr(pos_, end - pos_);
        pos_ = end;
        return true;
    }

    bool space() { return pos_ < text_.size() && text_[pos_++] == ' '; }
    bool at(const char *literal) {
        std::string_view want(literal);
        if (text_.compare(pos_, want.size(), want) != 0)
            return false;
        pos_ += want.size();
        return true;
    }
    bool end_of_line() { return pos_ < text_.size() && text_[pos_++] == '\n'; }
    size_t pos() const { return pos_; }

  private:
    const std::string &text_;
    size_t pos_;
};

bool parse_kind(const std::string &name, InputKind &kind) {
    for (InputKind k : {InputKind::file, InputKind::executable, InputKind::directory,
                        InputKind::symlink, InputKind::missing})
        if (input_kind_name(k) == name) {
            kind = k;
            return true;
        }
    return false;
}

bool parse_env(LineReader &in, KeyRecord &record) {
    EnvValue env;
    if (!in.str(env.name) || !in.space())
        return false;
    if (!in.at("unset")) {
        std::string value;
        if (!in.str(value))
            return false;
        env.value = value;
    }
    record.env.push_back(env);
    return true;
}

bool parse_input(LineReader &in, KeyRecord &record) {
    InputDigest input;
    std::string kind;
    if (!in.str(input.path) || !in.space() || !in.word(kind) || !parse_kind(kind, input.kind))
        return false;
    if (input.kind != InputKind::missing && !(in.space() && in.word(input.digest)))
        return false;
    record.inputs.push_back(input);
    return true;
}

// One element (after its field name); false when malformed.
bool parse_element(const std::string &field, LineReader &in, KeyRecord &record) {
    std::string value;
    if (field == "argv" || field == "cwd" || field == "salt" || field == "output" ||
        field == "trace") {
        if (!in.str(value))
            return false;
        if (field == "argv")
            record.argv.push_back(value);
        else if (field == "cwd")
            record.cwd = value;
        else if (field == "salt")
            record.salt = value;
        else if (field == "trace")
            record.trace = value;
        else
            record.outputs.push_back(value);
        return true;
    }
    if (field == "tool" || field == "interpreter" || field == "stdin") {
        if (!in.word(value))
            return false;
        if (field != "stdin" && (field == "interpreter") != !record.tool.empty())
            return false; // one tool line, before any interpreter line
        if (field == "stdin")
            record.stdin_digest = value;
        else
            record.tool.push_back(value);
        return true;
    }
    if (field == "env")
        return parse_env(in, record);
    if (field == "input")
        return parse_input(in, record);
    return false;
}

} // namespace

std::optional<KeyRecord> KeyRecord::parse(const std::string &encoded) {
    std::string header = record_header();
    if (encoded.compare(0, header.size(), header) != 0)
        return std::nullopt;
    KeyRecord record;
    size_t pos = header.size();
    while (pos < encoded.size()) {
        LineReader in(encoded, pos);
        std::string field;
        if (!in.field(field) || !in.space() || !parse_element(field, in, record) ||
            !in.end_of_line())
            return std::nullopt;
        pos = in.pos();
    }
    // Only a canonical record is the one that was encoded.
    KeyRecord canonical = record;
    canonical.canonicalize();
    if (canonical.encode() != encoded)
        return std::nullopt;
    return record;
}

} // namespace fleche::key
