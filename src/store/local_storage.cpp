#include "store/local_storage.hpp"

#include "store/store_access.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

std::string LocalStorage::path_sets_path(const std::string &k1) const {
    return store_.dir() + "/path-sets/" + k1.substr(0, 2) + "/" + k1.substr(2);
}

std::optional<PathSetList> LocalStorage::get_path_sets(const std::string &k1) noexcept {
    try {
        if (!is_hex_digest(k1))
            return std::nullopt;
        Fd fd = open_store_file(path_sets_path(k1), O_RDONLY);
        if (!fd)
            return std::nullopt;
        std::string bytes;
        char buf[65536];
        for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return std::nullopt;
            }
            bytes.append(buf, static_cast<size_t>(n));
        }
        auto list = decode_path_set_list(bytes);
        if (!list || list->key != k1)
            return std::nullopt;
        return list;
    } catch (...) {
        return std::nullopt;
    }
}

void LocalStorage::put_path_sets(const PathSetList &list) {
    std::string bytes = encode_path_set_list(list);
    TempFile tmp(store_.tmp_dir() + "/path-sets");
    share_new_file(tmp.fd());
    if (!write_all(tmp.fd(), bytes))
        throw Error(errno_message("cannot write '" + tmp.path() + "'", errno));
    std::string target = path_sets_path(list.key);
    commit_store_file(tmp, target, "path-sets-rename");
}

} // namespace fleche::store
