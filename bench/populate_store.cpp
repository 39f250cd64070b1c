// Fills a store with N synthetic entries, their entry files and their index
// rows (in one transaction), for the scale rows of bench/run.sh: a million
// entries by running a million processes would take hours. The entry files
// are what a hit reads, so they are written one by one as a run would.
//
//   fleche_bench_populate STORE_DIR N
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/sha256.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace fleche;

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s STORE_DIR N\n", argv[0]);
        return 2;
    }
    try {
        store::Store store(argv[1]);
        long n = std::atol(argv[2]);
        // Every entry replays the same small log, like many runs of one tool.
        store::BlobWriter log(store.blobs());
        log.write("FLOG\x01\x01\x03\0\0\0ok\n", 13);
        std::string log_blob = log.commit();
        store::Database &db = store.index().database();
        db.exec("PRAGMA synchronous = OFF");
        db.exec("BEGIN");
        store::Statement insert(
            db, "INSERT INTO entries(key, key_record, name, command, exit_code, log_blob, "
                "log_size, outputs_size, started_ns, stopped_ns, user_ns, system_ns, max_rss_kb, "
                "host, user, cwd, fleche_version, hits, last_use_ns) "
                "VALUES(?,?,?,?,0,?,13,0,?,?,0,0,0,'bench','bench','/bench','0',0,?)");
        const int64_t base = 1'700'000'000'000'000'000;
        for (long i = 0; i < n; ++i) {
            std::string arg = "--seed=" + std::to_string(i);
            std::string record =
                "fleche-key 1\nargv 3:sim\nargv " + std::to_string(arg.size()) + ":" + arg + "\n";
            int64_t t = base + i * 1'000'000'000LL;
            // a thousand tools, as in a shared CI store
            insert.bind(1, sha256_hex(record))
                .bind(2, record)
                .bind(3, "sim" + std::to_string(i % 1000));
            insert.bind(4, "sim " + arg).bind(5, log_blob).bind(6, t).bind(7, t + 500'000'000);
            insert.bind(8, t + 500'000'000);
            insert.run();
            store::Entry entry;
            entry.key = sha256_hex(record);
            entry.key_record = record;
            entry.name = "sim" + std::to_string(i % 1000);
            entry.command = "sim " + arg;
            entry.log_blob = log_blob;
            entry.log_size = 13;
            entry.started_ns = t;
            entry.stopped_ns = t + 500'000'000;
            entry.host = entry.user = "bench";
            entry.cwd = "/bench";
            entry.fleche_version = "0";
            store.entries().write(entry);
        }
        db.exec("COMMIT");
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const Error &e) {
        std::fprintf(stderr, "populate: %s\n", e.what());
        return 1;
    }
    return 0;
}
