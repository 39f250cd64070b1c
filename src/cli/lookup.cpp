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

void replay_entry(const store::BlobStore &blobs, const store::Entry &entry) {
    store::restore_outputs(blobs, entry.outputs);
    // A reader that went away (fleche run ... | head) is not an error: the
    // rest of that stream is dropped, as CMD's own writes would have been.
    bool open[3] = {false, true, true};
    exec::LogDecoder decoder([&](exec::Stream stream, const char *data, size_t size) {
        int fd = stream == exec::Stream::out ? STDOUT_FILENO : STDERR_FILENO;
        if (open[fd] && !write_all(fd, data, size))
            open[fd] = false;
    });
    blobs.read(entry.log_blob, [&](const char *data, size_t size) { decoder.feed(data, size); });
    decoder.finish();
}

} // namespace fleche::cli
