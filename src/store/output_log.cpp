#include "store/output_log.hpp"

#include "util/error.hpp"

#include <algorithm>

namespace fleche::store {

namespace {
constexpr size_t chunk_header_size = 5;
} // namespace

LogEncoder::LogEncoder(Sink sink) : sink_(std::move(sink)) {
    sink_(log_magic.data(), log_magic.size());
}

void LogEncoder::emit(const char *data, size_t size) {
    uint32_t n = static_cast<uint32_t>(size);
    char header[chunk_header_size] = {
        static_cast<char>(stream_), static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
        static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
    sink_(header, sizeof header);
    sink_(data, n);
}

void LogEncoder::chunk(Stream stream, const char *data, size_t size) {
    if (size == 0)
        return;
    if (stream != stream_)
        finish();
    stream_ = stream;
    // Whole chunks straight from the caller's buffer when nothing is held.
    while (pending_.empty() && size >= chunk_size) {
        emit(data, chunk_size);
        data += chunk_size;
        size -= chunk_size;
    }
    while (size > 0) {
        size_t take = std::min(size, chunk_size - pending_.size());
        pending_.append(data, take);
        data += take;
        size -= take;
        if (pending_.size() == chunk_size) {
            emit(pending_.data(), pending_.size());
            pending_.clear();
        }
    }
}

void LogEncoder::finish() {
    if (!pending_.empty())
        emit(pending_.data(), pending_.size());
    pending_.clear();
}

void LogDecoder::feed(const char *data, size_t size) {
    while (size > 0) {
        if (!magic_seen_) {
            size_t take = std::min(size, log_magic.size() - pending_.size());
            pending_.append(data, take);
            data += take;
            size -= take;
            if (pending_.size() == log_magic.size()) {
                if (pending_ != log_magic)
                    throw Error("the stored output log is not in a format this fleche reads");
                magic_seen_ = true;
                pending_.clear();
            }
            continue;
        }
        if (payload_left_ > 0) {
            size_t take = std::min<size_t>(size, payload_left_);
            on_chunk_(stream_, data, take);
            data += take;
            size -= take;
            payload_left_ -= static_cast<uint32_t>(take);
            continue;
        }
        size_t take = std::min(size, chunk_header_size - pending_.size());
        pending_.append(data, take);
        data += take;
        size -= take;
        if (pending_.size() < chunk_header_size)
            continue;
        auto byte = [&](int i) {
            return static_cast<uint32_t>(static_cast<unsigned char>(pending_[i]));
        };
        if (byte(0) < 1 || byte(0) > 3)
            throw Error("the stored output log has an unknown stream tag");
        stream_ = static_cast<Stream>(byte(0));
        payload_left_ = byte(1) | byte(2) << 8 | byte(3) << 16 | byte(4) << 24;
        pending_.clear();
    }
}

void LogDecoder::finish() const {
    if (!magic_seen_ || payload_left_ > 0 || !pending_.empty())
        throw Error("the stored output log is truncated");
}

} // namespace fleche::store
