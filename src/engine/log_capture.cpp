#include "engine/log_capture.hpp"

#include "util/error.hpp"
#include "util/test_hook.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <system_error>

namespace fleche::engine {

namespace {

constexpr size_t max_buffers = LogCapture::queue_limit / LogCapture::buffer_size;

void warn_not_stored(const std::string &why) {
    warn(why + "; this result will not be stored");
}

} // namespace

LogCapture::LogCapture(const store::BlobStore *blobs) {
    if (!blobs)
        return;
    try {
        writer_.emplace(*blobs);
        encoder_.emplace([this](const char *p, size_t n) { writer_->write(p, n); });
    } catch (const Error &e) {
        failed_ = true;
        warn_not_stored(e.what());
    }
}

// Without finish() (a result that is not stored), the worker drops what is
// left rather than compress it for nothing.
LogCapture::~LogCapture() {
    if (!worker_.joinable())
        return;
    {
        std::lock_guard lock(mutex_);
        ending_ = true;
        if (!failure_)
            failure_ = "not stored";
    }
    ready_.notify_one();
    worker_.join();
}

void LogCapture::chunk(store::Stream stream, const char *data, size_t size) noexcept {
    if (!encoder_ || failed_)
        return;
    while (size > 0) {
        if (tail_.data && (tail_.stream != stream || tail_.size == buffer_size)) {
            queue_tail();
            if (failed_)
                return;
        }
        if (!tail_.data) {
            tail_ = take_buffer();
            if (failed_)
                return;
            tail_.stream = stream;
        }
        size_t take = std::min(size, buffer_size - tail_.size);
        std::memcpy(tail_.data.get() + tail_.size, data, take);
        tail_.size += take;
        data += take;
        size -= take;
    }
    if (tail_.size == buffer_size)
        queue_tail(); // keeps the worker busy while the tee reads on
}

// Hands the tail to the worker, starting the worker once the log has
// outgrown what finish() would encode at once.
void LogCapture::queue_tail() {
    bool start = false;
    {
        std::lock_guard lock(mutex_);
        if (failure_) {
            free_.push_back(std::move(tail_.data));
        } else if (tail_.data) {
            queue_.push_back(std::move(tail_));
            queued_bytes_ += buffer_size;
            start = !worker_.joinable() && queued_bytes_ > inline_limit;
        }
        tail_ = {};
    }
    report();
    if (failed_)
        return;
    if (!start) {
        ready_.notify_one();
        return;
    }
    // The worker takes no signal: those sent to fleche are forwarded to CMD
    // by the thread that waits for it.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    try {
        worker_ = std::thread([this] { work(); });
    } catch (const std::system_error &e) {
        std::lock_guard lock(mutex_);
        failure_ = std::string("cannot start a thread: ") + e.what();
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    report();
}

LogCapture::Buffer LogCapture::take_buffer() {
    Buffer buffer;
    {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return !free_.empty() || buffers_ < max_buffers || failure_; });
        if (!free_.empty()) {
            buffer.data = std::move(free_.back());
            free_.pop_back();
        } else if (!failure_) {
            ++buffers_;
            buffer.data = std::make_unique_for_overwrite<char[]>(buffer_size);
        }
    }
    report();
    return buffer;
}

// The worker's loop; with no worker, finish() runs it to drain the queue.
void LogCapture::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ready_.wait(lock, [&] { return !queue_.empty() || ending_; });
        if (queue_.empty())
            return;
        Buffer buffer = std::move(queue_.front());
        queue_.pop_front();
        bool failed = failure_.has_value();
        lock.unlock();
        std::optional<std::string> error;
        if (!failed) {
            try {
                encode(buffer);
            } catch (const std::exception &e) {
                error = e.what();
            }
        }
        lock.lock();
        if (error && !failure_)
            failure_ = std::move(error);
        queued_bytes_ -= buffer_size;
        free_.push_back(std::move(buffer.data));
        room_.notify_one();
    }
}

void LogCapture::encode(const Buffer &buffer) {
    test_hook("log-chunk");
    encoder_->chunk(buffer.stream, buffer.data.get(), buffer.size);
}

// On the tee's thread, so that the warning is printed once and between
// pieces of CMD's output, never inside one.
void LogCapture::report() {
    if (failed_)
        return;
    std::string why;
    {
        std::lock_guard lock(mutex_);
        if (!failure_)
            return;
        why = *failure_;
    }
    failed_ = true;
    warn_not_stored(why);
}

void LogCapture::finish() {
    if (!encoder_ || failed_)
        return;
    queue_tail();
    {
        std::lock_guard lock(mutex_);
        ending_ = true;
    }
    if (worker_.joinable()) {
        ready_.notify_one();
        worker_.join();
    } else {
        work();
    }
    {
        std::lock_guard lock(mutex_);
        if (!failure_) {
            try {
                encoder_->finish();
            } catch (const std::exception &e) {
                failure_ = e.what();
            }
        }
    }
    report();
}

bool LogCapture::usable() {
    return encoder_ && !failed_;
}

} // namespace fleche::engine
