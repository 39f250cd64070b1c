#include "engine/lookup.hpp"

#include "exec/delivery.hpp"
#include "exec/inherited.hpp"
#include "store/output_files.hpp"
#include "store/output_log.hpp"
#include "util/error.hpp"

#include <csignal>
#include <optional>
#include <unistd.h>

namespace fleche::engine {

Lookup find_entry(store::Storage &storage, const PreparedKey &key, bool accept_failures,
                  const std::string &entry_key) {
    Lookup lookup;
    store::EntryRead read = storage.get_entry(entry_key);
    auto &entry = read.entry;
    if (!read.damage.empty()) {
        lookup.miss_reason = damaged_entry;
        lookup.damage = std::move(read.damage);
    } else if (!entry) {
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

bool replayable(store::Stream stream, bool one_file) {
    return stream != store::Stream::merged || one_file;
}

std::string replay_obstacle(const store::BlobStore &blobs, const store::Entry &entry) {
    for (const auto &output : entry.outputs)
        if (output.type == store::OutputType::file && !blobs.contains(output.blob))
            return damaged_entry;
    bool one_file = exec::stdout_is_stderr();
    bool refused = false;
    try {
        store::LogDecoder decoder([&](store::Stream stream, const char *, size_t) {
            refused = refused || !replayable(stream, one_file);
        });
        blobs.read(entry.log_blob,
                   [&](const char *data, size_t size) { decoder.feed(data, size); });
        decoder.finish();
    } catch (const std::exception &) { // BlobCorrupt, or Error for a malformed log
        return damaged_entry;
    }
    return refused ? merged_log_elsewhere : "";
}

namespace {

// Writes the log to fds 1 and 2, joining consecutive chunks of one stream
// into large writes (a log of many small chunks costs a syscall each
// otherwise). Joining never reorders: a change of stream flushes first.
class Replayer {
  public:
    // Only a merged log asks whether fds 1 and 2 are one file: a hit on an
    // ordinary log spends no fstat on it.
    bool accepts(store::Stream stream) {
        if (stream != store::Stream::merged)
            return true;
        if (!one_file_)
            one_file_ = exec::stdout_is_stderr();
        return replayable(stream, *one_file_);
    }

    void chunk(store::Stream stream, const char *data, size_t size) {
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

    // A reader that went away (fleche run ... | head) ends the replay, as
    // SIGPIPE would have ended CMD; another write error is reported and that
    // stream dropped, and either way the exit status says so.
    int status(int stored) const {
        return delivery_.reader_gone() ? 128 + SIGPIPE : delivery_.status(stored);
    }

  private:
    static constexpr size_t flush_size = 256 * 1024;

    void write(const char *data, size_t size) {
        if (delivery_.reader_gone())
            return;
        delivery_.write(stream_ == store::Stream::err ? STDERR_FILENO : STDOUT_FILENO, data, size);
    }

    std::optional<bool> one_file_;
    store::Stream stream_ = store::Stream::out;
    std::string pending_;
    exec::Delivery delivery_;
};

} // namespace

Replay replay_entry(const store::BlobStore &blobs, const store::Entry &entry) {
    // Restored before the first byte of the log is written, so that a
    // damaged output blob is a miss with nothing printed yet; and not at all
    // when the log turns out not to be replayable here.
    bool restored = false;
    auto restore_once = [&] {
        if (!restored)
            store::restore_outputs(blobs, entry.outputs);
        restored = true;
    };
    Replayer replayer;
    bool refused = false;
    store::LogDecoder decoder([&](store::Stream stream, const char *data, size_t size) {
        refused = refused || !replayer.accepts(stream);
        if (refused)
            return;
        restore_once();
        replayer.chunk(stream, data, size);
    });
    blobs.read(entry.log_blob, [&](const char *data, size_t size) { decoder.feed(data, size); });
    decoder.finish();
    if (refused)
        return {};
    restore_once();
    replayer.flush();
    return {true, replayer.status(entry.exit_code)};
}

} // namespace fleche::engine
