#include "cli/lookup.hpp"

#include "exec/output_log.hpp"
#include "store/output_files.hpp"
#include "util/error.hpp"

#include <unistd.h>

namespace fleche::cli {

Lookup find_entry(store::Index &index, const PreparedKey &key, bool accept_failures) {
    Lookup lookup;
    auto entry = index.find(key.key);
    if (!entry) {
        lookup.miss_reason = nothing_stored;
    } else if (entry->key_record != key.encoded) {
        // Two records with one SHA-256: never replay the other one.
        warn("key " + key.key + " is stored for a different invocation; not replaying it");
        lookup.miss_reason = "the stored entry belongs to a different invocation";
    } else if (entry->exit_code != 0 && !accept_failures) {
        lookup.miss_reason = "the stored run exited with " + std::to_string(entry->exit_code) +
                             " (replayed only with --cache-failures)";
    } else {
        lookup.entry = std::move(entry);
    }
    return lookup;
}

namespace {

// Writes the log to fds 1 and 2, joining consecutive chunks of one stream
// into large writes (a log of many small chunks costs a syscall each
// otherwise). Joining never reorders: a change of stream flushes first.
class Replayer {
  public:
    void chunk(exec::Stream stream, const char *data, size_t size) {
        if (stream != stream_ || pending_.size() + size > flush_size)
            flush();
        stream_ = stream;
        if (size >= flush_size)
            write(data, size);
        else
            pending_.append(data, size);
    }

    void flush() {
        write(pending_.data(), pending_.size());
        pending_.clear();
    }

  private:
    static constexpr size_t flush_size = 256 * 1024;

    // A reader that went away (fleche run ... | head) is not an error: the
    // rest of that stream is dropped, as CMD's own writes would have been.
    void write(const char *data, size_t size) {
        int fd = stream_ == exec::Stream::out ? STDOUT_FILENO : STDERR_FILENO;
        if (size > 0 && open_[fd] && !write_all(fd, data, size))
            open_[fd] = false;
    }

    exec::Stream stream_ = exec::Stream::out;
    std::string pending_;
    bool open_[3] = {false, true, true};
};

} // namespace

void replay_entry(const store::BlobStore &blobs, const store::Entry &entry) {
    store::restore_outputs(blobs, entry.outputs);
    Replayer replayer;
    exec::LogDecoder decoder([&](exec::Stream stream, const char *data, size_t size) {
        replayer.chunk(stream, data, size);
    });
    blobs.read(entry.log_blob, [&](const char *data, size_t size) { decoder.feed(data, size); });
    decoder.finish();
    replayer.flush();
}

} // namespace fleche::cli
