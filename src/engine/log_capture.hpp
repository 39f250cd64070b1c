// Records the output log of a miss into a new blob while CMD runs, off the
// thread that delivers CMD's output (the tee): hashing and compressing a
// large log costs as much CPU as producing it, and the user's reader must not
// wait for either.
//
// The tee copies each piece it delivered into a buffer of a bounded queue;
// a worker thread encodes the log (store::LogEncoder) and writes the blob
// (store::BlobWriter). When the worker falls behind by `queue_limit` bytes,
// the tee waits for room (back-pressure): CMD then runs at the speed of the
// store, as it did when the tee did that work itself, and memory stays
// bounded. Spilling instead would need memory or disk without bound, and disk
// is what is slow. A log that fits in `inline_limit` starts no thread at all:
// finish() encodes it (the common small log costs no thread creation).
//
// The first failure of the store (a full disk, say) stops the recording,
// never the run: the worker drops what is queued from then on, the tee stops
// copying, and the failure is reported once, as a warning, on the tee's
// thread.
#pragma once

#include "store/blob.hpp"
#include "store/output_log.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fleche::engine {

class LogCapture {
  public:
    static constexpr size_t buffer_size = 128 * 1024;
    static constexpr size_t queue_limit = 4 << 20;    // bytes held for the worker
    static constexpr size_t inline_limit = 256 << 10; // below this, no thread

    // Without blobs (no store), records nothing. A store that cannot even
    // create the temporary blob costs the warning now.
    explicit LogCapture(const store::BlobStore *blobs);
    ~LogCapture();
    LogCapture(const LogCapture &) = delete;
    LogCapture &operator=(const LogCapture &) = delete;

    // The tee: what was just delivered. May wait for room; never throws.
    void chunk(store::Stream stream, const char *data, size_t size) noexcept;
    // The end of the log: waits until the worker has written all of it.
    void finish();
    // Whether the log is whole in the writer (after finish()).
    bool usable();
    store::BlobWriter &writer() { return *writer_; }

  private:
    struct Buffer {
        store::Stream stream = store::Stream::out;
        size_t size = 0;
        std::unique_ptr<char[]> data;
    };

    void queue_tail();
    Buffer take_buffer();
    void work();
    void encode(const Buffer &buffer);
    void report();

    std::optional<store::BlobWriter> writer_;
    std::optional<store::LogEncoder> encoder_; // the worker's, once started
    Buffer tail_;                              // the tee's, being filled

    std::mutex mutex_;
    std::condition_variable ready_; // the worker: a buffer was queued, or the end
    std::condition_variable room_;  // the tee: a buffer came back
    std::deque<Buffer> queue_;
    std::vector<std::unique_ptr<char[]>> free_;
    size_t buffers_ = 0;      // allocated, queued or free or the tail
    size_t queued_bytes_ = 0; // capacity of the queued buffers
    bool ending_ = false;
    std::optional<std::string> failure_; // the first error of the store
    bool failed_ = false;                // the tee's copy, once reported
    std::thread worker_;
};

} // namespace fleche::engine
