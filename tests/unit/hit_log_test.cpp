#include "scratch_dir.hpp"
#include "store/hit_log.hpp"
#include "store/store.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace fleche::store;

namespace {

Entry entry(const std::string &key) {
    Entry e;
    e.key = key;
    e.key_record = "r";
    e.log_blob = std::string(64, 'b');
    e.last_use_ns = 100;
    return e;
}

} // namespace

TEST_CASE("logged hits reach the index when folded, once") {
    ScratchDir dir;
    Store store("store");
    std::string a(64, 'a'), b(64, 'b');
    store.index().put(entry(a));
    store.index().put(entry(b));
    HitLog hits("store");
    CHECK(hits.append(a, 500, 1));
    CHECK(hits.append(a, 300, 1));
    CHECK(hits.append(b, 200, 1));
    CHECK(store.index().find(a)->hits == 0); // not before the fold
    hits.fold(store.index());
    CHECK(store.index().find(a)->hits == 2);
    CHECK(store.index().find(a)->last_use_ns == 500);
    CHECK(store.index().find(b)->hits == 1);
    CHECK(store.index().find(b)->last_use_ns == 200);
    hits.fold(store.index()); // nothing new: nothing counted twice
    CHECK(store.index().find(a)->hits == 2);
    CHECK_FALSE(std::filesystem::exists("store/hits.log"));
}

TEST_CASE("a torn line in the hit log is skipped, not misread") {
    ScratchDir dir;
    Store store("store");
    std::string a(64, 'a');
    store.index().put(entry(a));
    std::ofstream("store/hits.log") << a << " 700 1\n"
                                    << a.substr(0, 20) << "\n"
                                    << a << " 800 1\n";
    HitLog("store").fold(store.index());
    CHECK(store.index().find(a)->hits == 2);
    CHECK(store.index().find(a)->last_use_ns == 800);
}
