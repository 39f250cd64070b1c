#include "store/local_storage.hpp"

#include "util/error.hpp"
#include "util/sha256.hpp"
#include "util/test_hook.hpp"

#include <sys/stat.h>

namespace fleche::store {

EntryRead LocalStorage::get_entry(const std::string &key) noexcept {
    return store_.entries().read(key);
}

void LocalStorage::put_entry(const Entry &entry) {
    store_.entries().write(entry);
    test_hook("entry-stored");
    try {
        store_.index().put(entry);
    } catch (const Error &e) {
        warn(std::string(e.what()) +
             "; the entry is stored, but not in the index (which a rebuild catches up)");
    }
}

bool LocalStorage::has_entry(const std::string &key) noexcept {
    struct stat st;
    return ::lstat(store_.entries().path_of(key).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void LocalStorage::get_blob(const std::string &digest, const BlobSink &sink) {
    store_.blobs().read(digest, sink);
}

void LocalStorage::put_blob(const std::string &digest, const BlobSource &source) {
    BlobWriter writer(store_.blobs());
    Sha256 hash; // checked before the blob is committed under its name
    source([&](const char *data, size_t size) {
        hash.update(data, size);
        writer.write(data, size);
    });
    if (hash.finish_hex() != digest)
        throw BlobCorrupt("the content given for blob " + digest + " has another digest");
    writer.commit();
}

bool LocalStorage::has_blob(const std::string &digest) noexcept {
    return store_.blobs().contains(digest);
}

} // namespace fleche::store
