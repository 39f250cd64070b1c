// The output log: stdout and stderr of a run as one ordered list of tagged
// chunks, so that a hit replays them interleaved exactly as they were read.
//
// Log format (version 1), stored as a blob:
//   log    := magic chunk*
//   magic  := "FLOG" u8(1)
//   chunk  := stream:u8 (1 = stdout, 2 = stderr, 3 = merged; never renumber)
//             length:u32le  bytes[length]
// A log of a run whose stdout and stderr were one file (2>&1, a terminal)
// has only merged chunks: CMD wrote both to one pipe, so their order is
// exact, but which bytes were stderr is not known. Readers that know only
// tags 1 and 2 reject such a log, which is then a miss, never a wrong replay.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace fleche::store {

// A new version gets a new magic: a reader of this one then rejects the log
// (a miss), as it must.
inline constexpr uint8_t log_format_version = 1;
inline constexpr std::string_view log_magic{"FLOG\x01", 5};
static_assert(log_magic[4] == char(log_format_version));
enum class Stream : uint8_t { out = 1, err = 2, merged = 3 };

// Encodes chunks; `sink` receives the bytes of the log. The chunks written
// do not depend on how the output was read: a run of bytes of one stream is
// cut into chunks of exactly chunk_size bytes, the last one shorter. So a
// command that prints the same thing twice gets the same log blob, whatever
// sizes its pipe delivered it in.
class LogEncoder {
  public:
    using Sink = std::function<void(const char *, size_t)>;
    static constexpr size_t chunk_size = 64 * 1024;

    explicit LogEncoder(Sink sink);
    void chunk(Stream stream, const char *data, size_t size);
    // Writes what is still held back; call once, at the end of the log.
    void finish();

  private:
    void emit(const char *data, size_t size);

    Sink sink_;
    Stream stream_ = Stream::out;
    std::string pending_;
};

// Decodes a log fed in pieces of any size; calls `on_chunk` for each piece of
// payload as soon as it is complete enough to write. Throws Error on a
// malformed log.
class LogDecoder {
  public:
    using OnChunk = std::function<void(Stream, const char *, size_t)>;
    explicit LogDecoder(OnChunk on_chunk) : on_chunk_(std::move(on_chunk)) {}
    void feed(const char *data, size_t size);
    // Throws Error when the log ended in the middle of a chunk.
    void finish() const;

  private:
    OnChunk on_chunk_;
    std::string pending_; // magic or chunk header being assembled
    bool magic_seen_ = false;
    Stream stream_ = Stream::out;
    uint32_t payload_left_ = 0;
};

} // namespace fleche::store
