#include "remote/action_result.hpp"

namespace fleche::remote {

namespace {

enum Wire : uint32_t { varint = 0, fixed64 = 1, length = 2, fixed32 = 5 };

void put_varint(std::string &out, uint64_t value) {
    while (value >= 0x80) {
        out.push_back(char((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(char(value));
}

void put_tag(std::string &out, uint32_t field, Wire wire) {
    put_varint(out, uint64_t(field) << 3 | wire);
}

void put_bytes(std::string &out, uint32_t field, std::string_view bytes) {
    put_tag(out, field, length);
    put_varint(out, bytes.size());
    out.append(bytes);
}

void put_number(std::string &out, uint32_t field, uint64_t value) {
    put_tag(out, field, varint);
    put_varint(out, value);
}

// A cursor over protobuf bytes; every read fails softly (ok = false).
struct ProtoReader {
    std::string_view in;
    bool ok = true;

    bool more() const { return ok && !in.empty(); }
    uint64_t varint_value() {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in.empty())
                break;
            auto byte = uint8_t(in.front());
            in.remove_prefix(1);
            value |= uint64_t(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                return value;
        }
        ok = false;
        return 0;
    }
    std::string_view bytes_value() {
        uint64_t size = varint_value();
        if (!ok || size > in.size()) {
            ok = false;
            return {};
        }
        std::string_view value = in.substr(0, size);
        in.remove_prefix(size);
        return value;
    }
    void skip(uint32_t wire) {
        size_t width = wire == fixed64 ? 8 : wire == fixed32 ? 4 : 0;
        if (wire == varint)
            varint_value();
        else if (wire == length)
            bytes_value();
        else if (width && in.size() >= width)
            in.remove_prefix(width);
        else
            ok = false;
    }
    // The next field's number and wire type; false at the end or on damage.
    bool next(uint32_t &field, uint32_t &wire) {
        if (!more())
            return false;
        uint64_t tag = varint_value();
        field = uint32_t(tag >> 3);
        wire = uint32_t(tag & 7);
        return ok && field != 0;
    }
};

// Calls `visit(in, field, wire)` for each field of a message, which reads the
// value or skips it; false when the message is damaged.
template <class Visit> bool for_each_field(std::string_view message, Visit visit) {
    ProtoReader in{message};
    uint32_t field, wire;
    while (in.next(field, wire))
        visit(in, field, wire);
    return in.ok;
}

std::optional<ActionFile> read_output_file(std::string_view bytes) {
    ActionFile file;
    bool ok = for_each_field(bytes, [&](ProtoReader &in, uint32_t field, uint32_t wire) {
        if (field == 1 && wire == length)
            file.path = in.bytes_value();
        else if (field == 2 && wire == length)
            in.ok = for_each_field(in.bytes_value(),
                                   [&](ProtoReader &d, uint32_t f, uint32_t w) {
                                       if (f == 1 && w == length)
                                           file.sha256 = d.bytes_value();
                                       else if (f == 2 && w == varint)
                                           file.size = d.varint_value();
                                       else
                                           d.skip(w);
                                   }) &&
                    in.ok;
        else if (field == 4 && wire == varint)
            file.executable = in.varint_value() != 0;
        else
            in.skip(wire);
    });
    if (!ok)
        return std::nullopt;
    return file;
}

} // namespace

std::string encode_action_result(const ActionResult &result) {
    std::string out;
    for (const auto &file : result.files) {
        std::string digest, output;
        put_bytes(digest, 1, file.sha256);
        put_number(digest, 2, file.size);
        put_bytes(output, 1, file.path);
        put_bytes(output, 2, digest);
        if (file.executable)
            put_number(output, 4, 1);
        put_bytes(out, 2, output);
    }
    if (result.exit_code != 0) // proto3: a default value is not written
        put_number(out, 4, uint64_t(int64_t(result.exit_code)));
    if (!result.worker.empty()) {
        std::string metadata;
        put_bytes(metadata, 1, result.worker);
        put_bytes(out, 9, metadata);
    }
    for (const auto &[path, target] : result.symlinks) {
        std::string symlink;
        put_bytes(symlink, 1, path);
        put_bytes(symlink, 2, target);
        put_bytes(out, 12, symlink);
    }
    return out;
}

std::optional<ActionResult> decode_action_result(std::string_view bytes) noexcept {
    try {
        ActionResult result;
        bool files_ok = true;
        bool ok = for_each_field(bytes, [&](ProtoReader &in, uint32_t field, uint32_t wire) {
            if (field == 2 && wire == length) {
                auto file = read_output_file(in.bytes_value());
                files_ok = files_ok && file;
                if (file)
                    result.files.push_back(std::move(*file));
            } else if (field == 4 && wire == varint) {
                result.exit_code = int32_t(in.varint_value());
            } else if (field == 9 && wire == length) {
                in.ok = for_each_field(in.bytes_value(),
                                       [&](ProtoReader &m, uint32_t f, uint32_t w) {
                                           f == 1 && w == length
                                               ? void(result.worker = m.bytes_value())
                                               : m.skip(w);
                                       }) &&
                        in.ok;
            } else if (field == 12 && wire == length) {
                std::pair<std::string, std::string> link;
                in.ok = for_each_field(in.bytes_value(),
                                       [&](ProtoReader &l, uint32_t f, uint32_t w) {
                                           if (f == 1 && w == length)
                                               link.first = l.bytes_value();
                                           else if (f == 2 && w == length)
                                               link.second = l.bytes_value();
                                           else
                                               l.skip(w);
                                       }) &&
                        in.ok;
                result.symlinks.push_back(std::move(link));
            } else {
                in.skip(wire);
            }
        });
        if (!ok || !files_ok)
            return std::nullopt;
        return result;
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

std::optional<ActionFile> find_reserved(const ActionResult &result, std::string_view path) {
    for (const auto &file : result.files)
        if (file.path == path)
            return file;
    return std::nullopt;
}

ActionResult action_result_for(const store::Entry &entry, const std::string &record_sha256,
                               uint64_t record_size) {
    ActionResult result;
    result.exit_code = entry.exit_code;
    result.worker = std::string("fleche/") + FLECHE_VERSION;
    result.files.push_back({reserved_entry_path, record_sha256, record_size, false});
    result.files.push_back({reserved_log_path, entry.log_blob, entry.log_size, false});
    for (const auto &output : entry.outputs) {
        if (output.type == store::OutputType::file)
            result.files.push_back({output.path, output.blob, output.size, output.executable});
        else if (output.type == store::OutputType::symlink)
            result.symlinks.emplace_back(output.path, output.target);
    }
    return result;
}

ActionResult action_result_for_path_sets(const std::string &record_sha256, uint64_t record_size) {
    ActionResult result;
    result.worker = std::string("fleche/") + FLECHE_VERSION;
    result.files.push_back({reserved_path_sets_path, record_sha256, record_size, false});
    return result;
}

} // namespace fleche::remote
