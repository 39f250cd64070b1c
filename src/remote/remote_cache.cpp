#include "remote/remote_cache.hpp"

#include "remote/action_result.hpp"
#include "remote/cooldown.hpp"
#include "remote/http_transport.hpp"
#include "remote/redis_transport.hpp"
#include "remote/remote_record.hpp"
#include "remote/remote_url.hpp"
#include "store/entries.hpp"
#include "store/entry_file.hpp"
#include "store/local_storage.hpp"
#include "store/storing_lock.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/sha256.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

#include <set>

namespace fleche::remote {

namespace {

// An ActionResult is a few hundred bytes per output; a record holds a key
// record and, for a traced run, its path set (at most 100,000 paths).
constexpr uint64_t action_result_limit = 16ull << 20;
constexpr uint64_t record_limit = 256ull << 20;
// Blobs this small are sent without asking first whether the server has them.
constexpr uint64_t ask_before_sending = 64 * 1024;

std::string seconds_text(int64_t ns) {
    return std::to_string((ns + 999'999'999) / 1'000'000'000) + "s";
}

bool timed_out(const Reply &reply) {
    return reply.detail.find("timeout") != std::string::npos ||
           reply.detail.find("timed out") != std::string::npos;
}

// Collects a small body, refusing one above `limit`.
struct Collector {
    std::string bytes;
    uint64_t limit;
    void operator()(const char *data, size_t size) {
        if (bytes.size() + size > limit)
            throw Error("larger than " + format_size(limit));
        bytes.append(data, size);
    }
};

} // namespace

RemoteCache::RemoteCache(RemoteConfig config, store::Store &store, bool verbose)
    : config_(std::move(config)), store_(store), verbose_(verbose),
      cooldown_(store.dir(), redact_remote_url(config_.settings.url)) {}

RemoteCache::~RemoteCache() = default;

std::string RemoteCache::describe() const {
    return redact_remote_url(config_.settings.url);
}

Transport &RemoteCache::transport() {
    if (!transport_) {
        if (parse_remote_url(config_.settings.url).redis())
            transport_ = make_redis_transport(config_.settings);
        else
            transport_ = make_http_transport(config_.settings);
    }
    return *transport_;
}

bool RemoteCache::usable() {
    if (down_)
        return false;
    if (checked_)
        return true;
    int64_t now = now_ns();
    if (auto reason = cooldown_.active(now)) {
        if (verbose_)
            say("remote " + describe() + " skipped: it failed recently (" + *reason + ")");
        down_ = true;
        return false;
    }
    if (!cooldown_.claim_probe(now)) { // another process is finding out whether it is back
        if (verbose_)
            say("remote " + describe() + " skipped: another fleche is asking whether it is back");
        down_ = true;
        return false;
    }
    checked_ = true;
    return true;
}

void RemoteCache::answered() {
    cooldown_.end(); // a probe that found the server back
}

std::string RemoteCache::failed(const Reply &reply, const std::string &what) {
    std::string detail = reply.detail.empty() ? "failed" : reply.detail;
    bool outage = reply.status == Status::unavailable || reply.status == Status::unauthorized;
    if (reply.status == Status::unavailable) {
        ++(timed_out(reply) ? counts_.timeouts : counts_.errors);
    } else if (reply.status != Status::not_found) {
        ++counts_.errors;
    }
    if (!outage)
        return what + ": " + detail;
    down_ = true;
    std::string fix = reply.status == Status::unauthorized
                          ? "; check its credentials (FLECHE_REMOTE_TOKEN, the URL's user:password "
                            "or FLECHE_REMOTE_PASSWORD)"
                          : "";
    bool first = true;
    try {
        first = cooldown_.begin(now_ns(), config_.cooldown_ns, detail);
    } catch (const std::exception &) {
        // no stamp: this process warns, and the next one asks again
    }
    if (first)
        warn("remote cache " + describe() + " " +
             (reply.status == Status::unauthorized ? "refused us" : "unavailable") + " (" + detail +
             ")" + fix + "; skipping it for " + seconds_text(config_.cooldown_ns));
    return what + ": " + detail;
}

std::optional<std::string> RemoteCache::get_small(const std::string &name, uint64_t limit,
                                                  std::string &why) {
    Collector body{{}, limit};
    Reply reply = transport().get(name, [&](const char *data, size_t size) { body(data, size); });
    counts_.bytes_down += int64_t(reply.bytes);
    if (reply.ok() || reply.status == Status::not_found)
        answered();
    if (reply.status == Status::not_found) {
        why = "not on the remote";
        return std::nullopt;
    }
    if (!reply.ok()) {
        why = failed(reply, "GET " + name);
        return std::nullopt;
    }
    return std::move(body.bytes);
}

// The verified remote record that ac/<key>'s reserved output names.
std::optional<std::string> RemoteCache::get_record(const std::string &key, const char *reserved,
                                                   std::string &why) {
    auto value = get_small("ac/" + key, action_result_limit, why);
    if (!value)
        return std::nullopt;
    auto result = decode_action_result(*value);
    auto file = result ? find_reserved(*result, reserved) : std::nullopt;
    if (!file) {
        why = "ac/" + key + " on the remote is not a fleche result";
        return std::nullopt;
    }
    auto bytes = get_small("cas/" + file->sha256, record_limit, why);
    if (!bytes) {
        if (why == "not on the remote")
            why = "the record it names is gone from the remote";
        return std::nullopt;
    }
    if (sha256_hex(*bytes) != file->sha256) {
        why = "the record on the remote is damaged (its digest does not match)";
        return std::nullopt;
    }
    RecordRead read = decode_remote_record(*bytes, key, config_.signing_key);
    if (!read.bytes) {
        why = "the remote record is " + read.refusal;
        return std::nullopt;
    }
    return std::move(read.bytes);
}

bool RemoteCache::fetch_blob(const std::string &digest, std::string &why) {
    store::LocalStorage local(store_);
    if (local.has_blob(digest))
        return true;
    Reply reply;
    try {
        local.put_blob(digest, [&](const store::BlobSink &sink) {
            reply = transport().get("cas/" + digest, sink);
            if (!reply.ok())
                throw Error("GET cas/" + digest);
        });
    } catch (const store::BlobCorrupt &) {
        why = "blob " + digest.substr(0, 8) + " on the remote is damaged";
        return false;
    } catch (const std::exception &e) {
        counts_.bytes_down += int64_t(reply.bytes);
        if (reply.status == Status::not_found)
            why = "blob " + digest.substr(0, 8) + " is gone from the remote";
        else if (reply.status == Status::ok) // the local store failed
            why = std::string("cannot store a fetched blob: ") + e.what();
        else
            why = failed(reply, "GET cas/" + digest.substr(0, 8));
        return false;
    }
    counts_.bytes_down += int64_t(reply.bytes);
    return true;
}

bool RemoteCache::fetch_entry(const std::string &key, const Acceptance &accept,
                              std::string &why) noexcept {
    try {
        if (!usable()) {
            why = "the remote is skipped after a failure";
            return false;
        }
        int64_t started = now_ns();
        int64_t before = counts_.bytes_down;
        auto bytes = get_record(key, reserved_entry_path, why);
        if (!bytes) {
            ++counts_.misses;
            return false;
        }
        auto entry = store::decode_entry_of(*bytes, key, why);
        if (!entry) {
            why = "the remote entry is damaged (" + why + ")";
            ++counts_.misses;
            return false;
        }
        if (std::string refusal = accept(*entry); !refusal.empty()) {
            why = "the remote entry " + refusal;
            ++counts_.misses;
            return false;
        }
        store::StoringGuard storing(store_); // gc spares the blobs until the entry names them
        size_t blobs = 0;
        for (const auto &output : entry->outputs)
            if (output.type == store::OutputType::file && !output.blob.empty()) {
                if (!fetch_blob(output.blob, why)) {
                    ++counts_.misses;
                    return false;
                }
                ++blobs;
            }
        if (!fetch_blob(entry->log_blob, why)) {
            ++counts_.misses;
            return false;
        }
        store::LocalStorage(store_).put_entry(*entry);
        ++counts_.hits;
        if (verbose_)
            say("remote hit " + key.substr(0, 8) + " from " + describe() + " (" +
                std::to_string(blobs + 2) + " blobs, " +
                format_size(uint64_t(counts_.bytes_down - before)) + ", " +
                format_duration(now_ns() - started) + ")");
        return true;
    } catch (const std::exception &e) {
        why = std::string("cannot fetch from the remote: ") + e.what();
        ++counts_.errors;
        return false;
    }
}

bool RemoteCache::fetch_path_sets(const std::string &k1, std::string &why) noexcept {
    try {
        if (!usable()) {
            why = "the remote is skipped after a failure";
            return false;
        }
        auto bytes = get_record(k1, reserved_path_sets_path, why);
        if (!bytes) {
            ++counts_.misses;
            return false;
        }
        std::string bad;
        auto remote = store::decode_path_set_list(*bytes, &bad);
        if (!remote || remote->key != k1) {
            why = "the remote path-set list is damaged" + (bad.empty() ? "" : " (" + bad + ")");
            ++counts_.misses;
            return false;
        }
        store::LocalStorage local(store_);
        store::PathSetList list = local.get_path_sets(k1).value_or(store::PathSetList{k1, {}});
        list.key = k1;
        std::set<std::string> known;
        for (const auto &item : list.items)
            known.insert(item.key);
        bool gained = false;
        for (auto &item : remote->items)
            if (list.items.size() < store::max_path_sets && known.insert(item.key).second) {
                list.items.push_back(std::move(item));
                gained = true;
            }
        if (gained)
            local.put_path_sets(list);
        else
            why = "the remote knows no other path set";
        return gained;
    } catch (const std::exception &e) {
        why = std::string("cannot fetch from the remote: ") + e.what();
        ++counts_.errors;
        return false;
    }
}

bool RemoteCache::before_deadline() {
    if (now_ns() <= deadline_ns_)
        return true;
    if (!down_)
        warn("uploading to the remote cache " + describe() + " took longer than " +
             seconds_text(config_.upload_timeout_ns) + "; the rest is not uploaded");
    down_ = true;
    return false;
}

// False when the upload of this result should stop.
bool RemoteCache::put_blob(const std::string &digest, uint64_t size, bool check_first) {
    if (!before_deadline())
        return false;
    if (check_first) {
        Reply there = transport().head("cas/" + digest);
        if (there.ok())
            return true;
        if (there.status != Status::not_found) {
            failed(there, "HEAD cas/" + digest.substr(0, 8));
            return false;
        }
    }
    store::LocalStorage local(store_);
    Reply reply = transport().put("cas/" + digest, size, [&](const Sink &sink) {
        local.get_blob(digest, sink); // checked before a byte is sent
    });
    counts_.bytes_up += int64_t(reply.bytes);
    if (reply.ok()) {
        answered();
        return true;
    }
    if (reply.status == Status::too_large) {
        if (verbose_)
            say("not uploaded: the remote refuses blob " + digest.substr(0, 8) + " of " +
                format_size(size) + " as too large");
        return false;
    }
    if (reply.status == Status::unauthorized) {
        uploads_refused_ = true; // a read-only credential: read on, write no more
        warn("the remote cache " + describe() + " refuses uploads (" + reply.detail +
             "); set remote.read_only (FLECHE_REMOTE_READONLY=1) if that is meant");
        return false;
    }
    failed(reply, "PUT cas/" + digest.substr(0, 8));
    return false;
}

bool RemoteCache::put_bytes(const std::string &name, const std::string &bytes) {
    if (!before_deadline())
        return false;
    Reply reply = transport().put(name, bytes.size(),
                                  [&](const Sink &sink) { sink(bytes.data(), bytes.size()); });
    counts_.bytes_up += int64_t(reply.bytes);
    if (reply.ok())
        return true;
    if (reply.status == Status::unauthorized) {
        uploads_refused_ = true;
        warn("the remote cache " + describe() + " refuses uploads (" + reply.detail +
             "); set remote.read_only (FLECHE_REMOTE_READONLY=1) if that is meant");
    } else if (reply.status != Status::too_large) {
        failed(reply, "PUT " + name.substr(0, 12));
    }
    return false;
}

// The record blob, then ac/<key> naming it (and, for an entry, its blobs).
bool RemoteCache::put_record(const std::string &key, const std::string &record_bytes,
                             const store::Entry *entry) {
    std::string record = encode_remote_record(record_bytes, key, config_.signing_key);
    std::string digest = sha256_hex(record);
    if (!put_bytes("cas/" + digest, record))
        return false;
    ActionResult result = entry ? action_result_for(*entry, digest, record.size())
                                : action_result_for_path_sets(digest, record.size());
    return put_bytes("ac/" + key, encode_action_result(result));
}

void RemoteCache::upload(const store::Entry &entry, const store::PathSetList *list) noexcept {
    try {
        if (config_.read_only || uploads_refused_ || !usable())
            return;
        int64_t started = now_ns();
        deadline_ns_ = started + config_.upload_timeout_ns;
        int64_t before = counts_.bytes_up;
        std::set<std::string> sent;
        for (const auto &output : entry.outputs)
            if (output.type == store::OutputType::file && !output.blob.empty() &&
                sent.insert(output.blob).second)
                if (!put_blob(output.blob, output.size, output.size > ask_before_sending))
                    return;
        if (sent.insert(entry.log_blob).second &&
            !put_blob(entry.log_blob, entry.log_size, entry.log_size > ask_before_sending))
            return;
        if (!put_record(entry.key, store::encode_entry(entry), &entry))
            return;
        if (list && !put_record(list->key, store::encode_path_set_list(*list), nullptr))
            return;
        ++counts_.uploads;
        if (verbose_)
            say("uploaded " + entry.key.substr(0, 8) + " to " + describe() + " (" +
                std::to_string(sent.size() + 1) + " blobs, " +
                format_size(uint64_t(counts_.bytes_up - before)) + ", " +
                format_duration(now_ns() - started) + ")");
    } catch (const std::exception &e) {
        warn(std::string("cannot upload to the remote cache: ") + e.what());
        ++counts_.errors;
    }
}

void RemoteCache::count(const std::string &key) noexcept {
    if (!counts_.any())
        return;
    if (store::Index *index = store_.try_index())
        store::try_bump_remote_counters(*index, key, counts_);
    counts_ = {};
}

std::optional<bool> RemoteCache::has(const std::string &key) noexcept {
    try {
        if (!usable())
            return std::nullopt;
        Reply reply = transport().head("ac/" + key);
        if (reply.ok() || reply.status == Status::not_found)
            answered();
        if (reply.ok())
            return true;
        if (reply.status == Status::not_found)
            return false;
        failed(reply, "HEAD ac/" + key.substr(0, 8));
    } catch (const std::exception &) {
    }
    return std::nullopt;
}

bool RemoteCache::check(const std::function<void(bool ok, const std::string &line)> &report) {
    report(true, "remote: " + describe() + (config_.read_only ? " (read only)" : ""));
    report(true,
           std::string("signing: ") +
               (config_.signing_key ? "on (uploads are signed, unsigned entries ignored)" : "off"));
    static const std::string empty_sha256 =
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    std::string probe = "fleche remote check " + std::to_string(now_ns()) + "\n";
    std::string digest = sha256_hex(probe);
    int64_t started = now_ns();
    Reply reply = transport().head("cas/" + empty_sha256);
    bool reachable = reply.ok() || reply.status == Status::not_found;
    report(reachable, reachable ? "connect: ok (" + format_duration(now_ns() - started) + ")"
                                : "connect: " + reply.detail);
    if (!reachable)
        return false;
    if (config_.read_only) {
        reply = transport().get("ac/" + digest, [](const char *, size_t) {});
        bool ok = reply.ok() || reply.status == Status::not_found;
        report(ok, ok ? "read: ok" : "read: " + reply.detail);
        return ok;
    }
    reply = transport().put("cas/" + digest, probe.size(),
                            [&](const Sink &sink) { sink(probe.data(), probe.size()); });
    report(reply.ok(), reply.ok()
                           ? "write: ok (PUT of a " + std::to_string(probe.size()) + "-byte blob)"
                           : "write: " + reply.detail +
                                 (reply.status == Status::unauthorized
                                      ? " (check the credentials, or set read_only)"
                                      : ""));
    if (!reply.ok())
        return false;
    Collector body{{}, 1 << 20};
    reply = transport().get("cas/" + digest, [&](const char *d, size_t n) { body(d, n); });
    bool same = reply.ok() && body.bytes == probe;
    report(same, same ? "read: ok (the same bytes back)"
                      : "read: " + (reply.ok() ? "other bytes came back" : reply.detail));
    return same;
}

} // namespace fleche::remote
