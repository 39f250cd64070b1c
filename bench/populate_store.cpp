// Fills a store with N synthetic entries for the scale rows of bench/run.sh:
// a million entries by running a million processes would take hours. What
// is written is what runs would have left, so that gc and query pay what
// they pay in a real store: each entry has its own log blob and entry file,
// its index rows (in one transaction, as Index::insert writes them) and its
// counters; every other entry declares an output file of its tool's shared
// header (one blob per tool), every fourth one a result of its own; and one
// entry in a hundred has a hit waiting in hits.log, which gc and query fold.
//
//   fleche_bench_populate STORE_DIR N
#include "store/counters.hpp"
#include "store/hit_log.hpp"
#include "store/output_log.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/sha256.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace fleche;

namespace {

std::string put_blob(store::Store &store, const std::string &content) {
    store::BlobWriter writer(store.blobs());
    writer.write(content.data(), content.size());
    return writer.commit();
}

std::string log_of(const std::string &text) {
    std::string log;
    store::LogEncoder encoder([&](const char *data, size_t size) { log.append(data, size); });
    encoder.chunk(store::Stream::out, text.data(), text.size());
    encoder.finish();
    return log;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s STORE_DIR N\n", argv[0]);
        return 2;
    }
    try {
        store::Store store(argv[1]);
        long n = std::atol(argv[2]);
        constexpr long tools = 1000; // a thousand tools, as in a shared CI store
        std::vector<std::pair<std::string, uint64_t>> headers; // digest, size
        for (long t = 0; t < tools; ++t) {
            std::string header = "header of sim" + std::to_string(t) + "\n";
            headers.emplace_back(put_blob(store, header), header.size());
        }
        store::Database &db = store.index().database();
        db.exec("PRAGMA synchronous = OFF");
        db.exec("BEGIN");
        const int64_t base = 1'700'000'000'000'000'000;
        store::HitLog hits(store.dir());
        for (long i = 0; i < n; ++i) {
            std::string arg = "--seed=" + std::to_string(i);
            std::string record =
                "fleche-key 1\nargv 3:sim\nargv " + std::to_string(arg.size()) + ":" + arg + "\n";
            int64_t t = base + i * 1'000'000'000LL;
            store::Entry entry;
            entry.key = sha256_hex(record);
            entry.name = "sim" + std::to_string(i % tools);
            entry.command = "sim " + arg;
            std::string log = log_of("seed " + std::to_string(i) + " ok\n");
            entry.log_blob = put_blob(store, log);
            entry.log_size = log.size();
            if (i % 2 == 0) {
                store::OutputRecord header;
                header.path = "out/header";
                header.blob = headers[i % tools].first;
                header.size = headers[i % tools].second;
                header.mode = 0644;
                entry.outputs.push_back(header);
                record += "output 10:out/header\n";
            }
            if (i % 4 == 0) {
                std::string result = "result of seed " + std::to_string(i) + "\n";
                store::OutputRecord output;
                output.path = "out/result";
                output.blob = put_blob(store, result);
                output.size = result.size();
                output.mode = 0644;
                entry.outputs.push_back(output);
                record += "output 10:out/result\n";
            }
            entry.key_record = record;
            entry.key = sha256_hex(record);
            for (const auto &output : entry.outputs)
                entry.outputs_size += output.size;
            entry.started_ns = t;
            entry.stopped_ns = t + 500'000'000;
            entry.last_use_ns = entry.stopped_ns;
            entry.host = entry.user = "bench";
            entry.cwd = "/bench";
            entry.fleche_version = "0";
            store.index().insert(entry);
            store::bump_counters(db, entry.name, entry.key, {.misses = 1, .stored = 1});
            store.entries().write(entry);
            if (i % 100 == 0)
                hits.append(entry.key, entry.stopped_ns + 1'000'000'000, 1'000'000);
        }
        db.exec("COMMIT");
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const Error &e) {
        std::fprintf(stderr, "populate: %s\n", e.what());
        return 1;
    }
    return 0;
}
