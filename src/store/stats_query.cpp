#include "store/stats_query.hpp"

#include "store/blob.hpp"
#include "store/index.hpp"

namespace fleche::store {

BlobSizes blob_sizes(const std::vector<BlobFile> &files) {
    BlobSizes sizes;
    for (const auto &file : files) {
        auto content = blob_content_size(file.path);
        if (!content)
            continue;
        sizes.logical += *content;
        sizes.disk += file.size;
    }
    return sizes;
}

std::map<std::string, Holdings> read_holdings(Index &index, bool by_name,
                                              const std::vector<BlobFile> &files) {
    Database &db = index.database();
    std::map<std::string, Holdings> result;
    Statement counts(db, by_name ? "SELECT name, count(*) FROM entries GROUP BY name"
                                 : "SELECT '', count(*) FROM entries");
    while (counts.step())
        result[counts.text(0)].entries = counts.integer(1);
    if (!by_name)
        return result;
    std::map<std::string, uint64_t> disk;
    for (const auto &file : files)
        disk[file.digest] = file.size;
    // UNION, not UNION ALL: each (name, blob) pair once.
    Statement blobs(db, "SELECT name, log_blob FROM entries UNION "
                        "SELECT e.name, o.blob FROM outputs o JOIN entries e ON e.key = o.key "
                        "WHERE o.blob IS NOT NULL AND o.blob <> ''");
    while (blobs.step())
        if (auto it = disk.find(blobs.text(1)); it != disk.end())
            result[blobs.text(0)].size += it->second;
    return result;
}

} // namespace fleche::store
