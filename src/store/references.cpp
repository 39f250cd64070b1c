#include "store/references.hpp"

#include "util/fs.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <sys/stat.h>
#include <unordered_map>

namespace fleche::store {

std::vector<EntryRef> list_entries(Index &index) {
    Database &db = index.database();
    std::vector<EntryRef> entries;
    Statement rows(db, "SELECT key, command, last_use_ns, log_blob FROM entries "
                       "ORDER BY last_use_ns DESC");
    while (rows.step())
        entries.push_back({rows.text(0), rows.text(1), rows.integer(2), {rows.text(3)}});
    std::vector<std::pair<std::string, std::string>> output_blobs;
    Statement outputs(db,
                      "SELECT key, blob FROM outputs WHERE blob IS NOT NULL ORDER BY key, path");
    while (outputs.step())
        output_blobs.emplace_back(outputs.text(0), outputs.text(1));
    if (output_blobs.empty()) // most entries of a large store may have none: skip the map
        return entries;
    std::unordered_map<std::string, size_t> position;
    for (size_t i = 0; i < entries.size(); ++i)
        position.emplace(entries[i].key, i);
    for (auto &[key, blob] : output_blobs)
        if (auto it = position.find(key); it != position.end())
            entries[it->second].blobs.push_back(std::move(blob));
    return entries;
}

void add_blobs_used_since(Index &index, int64_t since_ns, std::unordered_set<std::string> &blobs) {
    Database &db = index.database();
    Statement logs(db, "SELECT log_blob FROM entries WHERE last_use_ns >= ?");
    logs.bind(1, since_ns);
    while (logs.step())
        blobs.insert(logs.text(0));
    Statement outputs(db, "SELECT blob FROM outputs WHERE blob IS NOT NULL AND key IN "
                          "(SELECT key FROM entries WHERE last_use_ns >= ?)");
    outputs.bind(1, since_ns);
    while (outputs.step())
        blobs.insert(outputs.text(0));
}

std::vector<BlobFile> list_blob_files(const std::string &store_dir) {
    std::vector<BlobFile> blobs;
    std::string objects = store_dir + "/objects";
    for (const auto &shard : directory_entries(objects)) {
        if (shard.size() != 2)
            continue;
        for (const auto &rest : directory_entries(objects + "/" + shard)) {
            BlobFile blob{shard + rest, objects + "/" + shard + "/" + rest};
            struct stat st;
            if (!is_hex_digest(blob.digest) || ::lstat(blob.path.c_str(), &st) != 0 ||
                !S_ISREG(st.st_mode))
                continue;
            blob.size = static_cast<uint64_t>(st.st_size);
            blob.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
            blobs.push_back(std::move(blob));
        }
    }
    std::sort(blobs.begin(), blobs.end(),
              [](const BlobFile &a, const BlobFile &b) { return a.digest < b.digest; });
    return blobs;
}

} // namespace fleche::store
