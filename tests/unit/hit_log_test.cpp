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

TEST_CASE("a hit is logged as one line that carries the log's version") {
    std::string a(64, 'a');
    CHECK(encode_hit({a, 700, 3}) == "h2 " + a + " 700 3\n");
    auto hit = decode_hit("h2 " + a + " 700 3");
    REQUIRE(hit);
    CHECK(hit->key == a);
    CHECK(hit->when_ns == 700);
    CHECK(hit->duration_ns == 3);
}

TEST_CASE("an unversioned hit line of fleche 0.1 is still counted, a newer one is not") {
    std::string a(64, 'a');
    auto old = decode_hit(a + " 700 3");
    REQUIRE(old);
    CHECK(old->when_ns == 700);
    CHECK_FALSE(decode_hit("h3 " + a + " 700 3"));
    CHECK_FALSE(decode_hit("h2 " + a + " 700 3 extra"));
    CHECK_FALSE(decode_hit("h2 " + a + " 700"));
    CHECK_FALSE(decode_hit("h2 " + a + " 7x0 3"));
    CHECK_FALSE(decode_hit("h2 " + std::string(64, 'A') + " 700 3"));

    ScratchDir dir;
    Store store("store");
    store.index().put(entry(a));
    std::ofstream("store/hits.log") << a << " 700 1\n"
                                    << "h3 " << a << " 900 1\n"
                                    << "h2 " << a << " 800 1\n";
    HitLog("store").fold(store.index());
    CHECK(store.index().find(a)->hits == 2);
    CHECK(store.index().find(a)->last_use_ns == 800);
}
