#include "store/verify.hpp"

#include "store/gc.hpp"
#include "store/references.hpp"
#include "store/storing_lock.hpp"
#include "util/clock.hpp"
#include "util/sha256.hpp"
#include "util/test_hook.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <sqlite3.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

namespace fleche::store {

namespace {

enum class BlobState { good, damaged };

struct BlobCheck {
    BlobState state = BlobState::good;
    std::string why; // when damaged
};

// Every blob file checked against its name; damaged ones are recorded.
std::unordered_map<std::string, BlobCheck> check_blobs(Store &store,
                                                       const std::vector<BlobFile> &files,
                                                       VerifyResult &result,
                                                       const VerifyProgress &progress) {
    std::unordered_map<std::string, BlobCheck> states;
    for (size_t i = 0; i < files.size(); ++i) {
        const BlobFile &file = files[i];
        std::string why;
        try {
            if (store.blobs().content_digest(file.digest) != file.digest)
                why = "its content does not match its name";
        } catch (const BlobCorrupt &e) {
            why = e.what();
        }
        states[file.digest] = {why.empty() ? BlobState::good : BlobState::damaged, why};
        if (!why.empty())
            result.damaged_blobs.push_back(file.path);
        ++result.blobs;
        result.blob_bytes += file.size;
        if (progress)
            progress(i + 1, files.size());
    }
    return states;
}

// The first reason why `entry` cannot be replayed, or "".
std::string entry_problem(const EntryRef &entry, const std::string &key_record,
                          const std::unordered_map<std::string, BlobCheck> &states) {
    if (sha256_hex(key_record) != entry.key)
        return "its key does not match its key record";
    for (const auto &blob : entry.blobs) {
        auto it = states.find(blob);
        if (it == states.end())
            return "blob " + blob.substr(0, 12) + " is missing";
        if (it->second.state == BlobState::damaged)
            return "blob " + blob.substr(0, 12) + " is damaged";
    }
    return "";
}

std::unordered_map<std::string, std::string> key_records(Index &index) {
    std::unordered_map<std::string, std::string> records;
    Statement rows(index.database(), "SELECT key, key_record FROM entries");
    while (rows.step())
        records.emplace(rows.text(0), rows.text(1));
    return records;
}

// The first line of what SQLite finds wrong with the index, or "".
std::string check_index(Index &index) {
    try {
        // One line is enough to say so; a row may hold several, and
        // "*** in database main ***" says nothing.
        Statement check(index.database(), "PRAGMA quick_check(2)");
        std::string damage;
        while (check.step() && damage.empty()) {
            std::string text = check.text(0);
            for (size_t at = 0; at < text.size() && damage.empty();) {
                size_t end = std::min(text.find('\n', at), text.size());
                std::string line = text.substr(at, end - at);
                if (line != "ok" && !line.starts_with("*** "))
                    damage = line;
                at = end + 1;
            }
        }
        return damage;
    } catch (const DatabaseError &e) {
        if (e.code() != SQLITE_CORRUPT && e.code() != SQLITE_NOTADB)
            throw;
        return sqlite3_errstr(e.code());
    }
    return "";
}

// What the entries reference once no run is storing, from the entry files as
// well as the index: one stored while the index refused it needs its blobs.
std::unordered_set<std::string> referenced_blobs(Store &store) {
    std::unordered_set<std::string> referenced;
    for (const auto &entry : list_entries(store.index()))
        referenced.insert(entry.blobs.begin(), entry.blobs.end());
    store.entries().for_each([&](const std::string &, const EntryRead &read) {
        if (!read.entry)
            return;
        referenced.insert(read.entry->log_blob);
        for (const auto &output : read.entry->outputs)
            if (!output.blob.empty())
                referenced.insert(output.blob);
    });
    return referenced;
}

void repair(Store &store, const std::vector<BlobFile> &files, VerifyResult &result) {
    for (const auto &key : result.broken_entries) {
        test_hook("repair-entry");
        remove_entry(store, key);
        ++result.removed_entries;
    }
    for (const auto &path : result.damaged_blobs)
        if (::unlink(path.c_str()) == 0) {
            ++result.removed_blobs;
            test_hook("repair-blob-removed");
        }
    // Orphans go under the storing lock (storing_lock.hpp): a run between
    // committing its blobs and writing its entry holds the other side, so
    // what the entries reference once it is held is all that can be needed.
    // Storing runs wait meanwhile; hits do not.
    StoringBarrier barrier(store.dir());
    barrier.lock();
    std::unordered_set<std::string> referenced = referenced_blobs(store);
    test_hook("repair-orphans");
    for (const auto &file : files)
        if (!referenced.count(file.digest) && ::unlink(file.path.c_str()) == 0) {
            ++result.removed_blobs;
            test_hook("repair-orphan-removed");
        }
    barrier.unlock();
}

} // namespace

VerifyResult verify_store(Store &store, bool repair_store, const VerifyProgress &progress) {
    VerifyResult result;
    if (std::string damage = check_index(store.index()); !damage.empty()) {
        result.problems.push_back("the index is damaged: " + damage);
        result.index_damaged = true;
        // The index is derived from the entries: the repair is a rebuild.
        if (repair_store) {
            store.rebuild_damaged_index("the index '" + store.dir() +
                                        "/index.sqlite' is damaged (" + damage + ")");
            result.index_rebuilt = true;
        } else {
            return result; // its entries cannot be listed
        }
    }
    // Entries before blobs: a run stores its blobs before its entry, so every
    // blob of an entry listed here is already in objects/ when we list it.
    auto records = key_records(store.index());
    std::vector<EntryRef> entries = list_entries(store.index());
    std::vector<BlobFile> files = list_blob_files(store.dir());
    auto states = check_blobs(store, files, result, progress);
    std::unordered_set<std::string> needed;
    for (const auto &entry : entries) {
        needed.insert(entry.blobs.begin(), entry.blobs.end());
        ++result.entries;
        std::string why = entry_problem(entry, records[entry.key], states);
        if (!why.empty()) {
            result.problems.push_back("broken entry " + entry.key.substr(0, 12) + " (" +
                                      printable(entry.command) + "): " + why);
            result.broken_entries.push_back(entry.key);
        }
    }
    // A damaged blob that an entry needs is a problem; one that none needs
    // (a repair run stored a fresh copy under another name) is garbage like
    // any orphan.
    for (const auto &file : files) {
        const BlobCheck &check = states[file.digest];
        if (needed.count(file.digest)) {
            if (check.state == BlobState::damaged)
                result.problems.push_back("damaged blob " + file.path + ": " + check.why);
            continue;
        }
        ++result.orphans;
        result.orphan_bytes += file.size;
        if (check.state == BlobState::damaged)
            ++result.damaged_orphans;
    }
    if (repair_store)
        repair(store, files, result);
    return result;
}

} // namespace fleche::store
