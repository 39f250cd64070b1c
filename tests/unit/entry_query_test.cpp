// Selecting entries (store/entry_query.hpp): each filter keeps the entries it
// names and only those; --arg and --input match whole elements of the key
// record, never a piece of its encoding.
#include "key/key_record.hpp"
#include "scratch_dir.hpp"
#include "store/entry_query.hpp"
#include "store/index.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace fleche;
using namespace fleche::store;

namespace {

Entry entry(const std::string &key, const key::KeyRecord &record, int exit_code,
            int64_t started_ns) {
    Entry e;
    e.key = key;
    e.key_record = record.encode();
    e.name = record.argv.at(0);
    e.command = record.argv.at(0);
    e.exit_code = exit_code;
    e.log_blob = std::string(64, 'b');
    e.started_ns = started_ns;
    e.stopped_ns = started_ns + 10;
    e.last_use_ns = started_ns + 10;
    return e;
}

key::KeyRecord record(std::vector<std::string> argv, std::vector<std::string> inputs = {}) {
    key::KeyRecord r;
    r.argv = std::move(argv);
    r.tool = {std::string(64, '1')};
    for (auto &path : inputs)
        r.inputs.push_back({path, key::InputKind::file, std::string(64, '2')});
    r.canonicalize();
    return r;
}

std::vector<std::string> keys(Index &index, const EntryFilter &filter) {
    auto found = query_keys(index, filter);
    std::sort(found.begin(), found.end());
    return found;
}

using Keys = std::vector<std::string>;

} // namespace

TEST_CASE("--arg matches a whole argument, not a piece of the encoded record") {
    ScratchDir dir;
    Index index("index.sqlite");
    index.put(entry("k1", record({"echo", "x\nargv 3:abc"}), 0, 1));
    index.put(entry("k2", record({"echo", "abc"}), 0, 2));
    index.put(entry("k3", record({"echo", "abcd"}), 0, 3));
    EntryFilter filter;
    filter.argument = "abc";
    CHECK(keys(index, filter) == Keys{"k2"});
    filter.argument = "x\nargv 3:abc";
    CHECK(keys(index, filter) == Keys{"k1"});
    filter.argument = "echo"; // argv[0] is an argument too
    CHECK(keys(index, filter) == Keys{"k1", "k2", "k3"});
}

TEST_CASE("--input matches a whole declared path, not an argument that spells one") {
    ScratchDir dir;
    Index index("index.sqlite");
    index.put(entry("k1", record({"echo", "x\ninput 6:in.txt file 00"}), 0, 1));
    index.put(entry("k2", record({"cat"}, {"in.txt"}), 0, 2));
    index.put(entry("k3", record({"cat"}, {"in.txt.bak", "sub/in.txt"}), 0, 3));
    EntryFilter filter;
    filter.input = "in.txt";
    CHECK(keys(index, filter) == Keys{"k2"});
    filter.input = "sub/in.txt";
    CHECK(keys(index, filter) == Keys{"k3"});
}

TEST_CASE("filters combine, and the order and limit apply to what matched") {
    ScratchDir dir;
    Index index("index.sqlite");
    index.put(entry("old", record({"make", "all"}), 0, 100));
    index.put(entry("failed", record({"make", "test"}), 2, 200));
    index.put(entry("new", record({"make", "all", "-j2"}), 0, 300));
    index.put(entry("other", record({"ls"}), 0, 400));
    EntryFilter filter;
    filter.argument = "all";
    filter.order = EntryOrder::newest;
    CHECK(query_keys(index, filter) == Keys{"new", "old"});
    filter.limit = 1;
    CHECK(query_keys(index, filter) == Keys{"new"});
    EntryFilter failed;
    failed.failed = true;
    CHECK(query_keys(index, failed) == Keys{"failed"});
    EntryFilter window;
    window.since_ns = 200;
    window.before_ns = 400;
    window.name_glob = "make";
    CHECK(keys(index, window) == Keys{"failed", "new"});
}

TEST_CASE("--name without a wildcard is that name exactly, newest first; with one, a glob") {
    ScratchDir dir;
    Index index("index.sqlite");
    index.put(entry("a1", record({"sim4"}), 0, 1));
    index.put(entry("b1", record({"sim42"}), 0, 2));
    index.put(entry("b2", record({"sim42"}), 0, 4));
    index.put(entry("b3", record({"sim42"}), 0, 4)); // same start: the key decides
    index.put(entry("c1", record({"sim420"}), 0, 3));
    index.put(entry("d1", record({"sim4?"}), 0, 5));
    EntryFilter filter;
    filter.name_glob = "sim42";
    CHECK(query_keys(index, filter) == Keys{"b2", "b3", "b1"});
    filter.limit = 2;
    CHECK(query_keys(index, filter) == Keys{"b2", "b3"});
    filter.limit.reset();
    filter.name_glob = "sim4*";
    CHECK(query_keys(index, filter) == Keys{"d1", "b2", "b3", "c1", "b1", "a1"});
    filter.name_glob = "sim4?";
    CHECK(query_keys(index, filter) == Keys{"d1", "b2", "b3", "b1"});
    filter.name_glob = "sim4[2]";
    CHECK(query_keys(index, filter) == Keys{"b2", "b3", "b1"});
    filter.name_glob = "SIM42";
    CHECK(query_keys(index, filter).empty());
}
