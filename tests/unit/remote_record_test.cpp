// The remote cache's own formats: the ActionResult at ac/<key> (checked
// with protoc --decode_raw, a real protobuf decoder), the signed record in
// the CAS, and the cooldown stamp that every process reads.
#include "remote/action_result.hpp"
#include "remote/cooldown.hpp"
#include "remote/remote_record.hpp"
#include "scratch_dir.hpp"
#include "util/error.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace fleche::remote;

namespace {

const std::string key_a(64, 'a'), key_b(64, 'b');

ActionResult sample_result() {
    ActionResult result;
    result.exit_code = 3;
    result.files = {{".fleche/entry", std::string(64, 'e'), 420, false},
                    {"out/tool", std::string(64, 'f'), 1234567, true}};
    result.symlinks = {{"out/link", "tool"}};
    result.worker = "fleche/0.1.0";
    return result;
}

std::string protoc_decode_raw(const std::string &bytes) {
    ScratchDir dir;
    dir.write("ar.bin", bytes);
    FILE *pipe = ::popen("protoc --decode_raw < ar.bin 2>&1", "r");
    REQUIRE(pipe);
    std::string out;
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        out.append(buffer, n);
    int status = ::pclose(pipe);
    INFO("protoc said: " << out);
    REQUIRE_MESSAGE(status == 0, "protoc --decode_raw failed (scripts/setup.sh installs "
                                 "protobuf-compiler)");
    return out;
}

} // namespace

TEST_CASE("an ActionResult round-trips and protoc reads the REAPI field numbers") {
    ActionResult result = sample_result();
    std::string bytes = encode_action_result(result);
    auto back = decode_action_result(bytes);
    REQUIRE(back);
    CHECK(back->exit_code == 3);
    REQUIRE(back->files.size() == 2);
    CHECK(back->files[1].path == "out/tool");
    CHECK(back->files[1].sha256 == std::string(64, 'f'));
    CHECK(back->files[1].size == 1234567);
    CHECK(back->files[1].executable);
    CHECK_FALSE(back->files[0].executable);
    CHECK(back->symlinks == result.symlinks);
    CHECK(back->worker == "fleche/0.1.0");
    CHECK(find_reserved(*back, reserved_entry_path)->size == 420);
    CHECK_FALSE(find_reserved(*back, reserved_path_sets_path));

    std::string text = protoc_decode_raw(bytes);
    CHECK(text.find("2 {\n  1: \".fleche/entry\"\n  2 {\n    1: \"" + std::string(64, 'e') +
                    "\"\n    2: 420\n  }\n}") != std::string::npos);
    CHECK(text.find("4: 1\n") != std::string::npos);   // is_executable of out/tool
    CHECK(text.find("\n4: 3\n") != std::string::npos); // exit_code
    CHECK(text.find("9 {\n  1: \"fleche/0.1.0\"\n}") != std::string::npos);
    CHECK(text.find("12 {\n  1: \"out/link\"\n  2: \"tool\"\n}") != std::string::npos);
}

TEST_CASE("an ActionResult: unknown fields and any order are read, truncation is refused") {
    std::string bytes = encode_action_result(sample_result());
    // A server's own fields (field 1, a string; field 99, a varint) before ours.
    std::string extra = std::string("\x0a\x03xyz", 5) + std::string("\x98\x06\x07", 3);
    auto back = decode_action_result(extra + bytes);
    REQUIRE(back);
    CHECK(back->files.size() == 2);
    CHECK(back->exit_code == 3);
    for (size_t cut : {size_t(1), bytes.size() / 2, bytes.size() - 1})
        CHECK_FALSE(decode_action_result(std::string_view(bytes).substr(0, cut)));
    CHECK(decode_action_result("")->files.empty()); // an empty message is valid protobuf
    // A negative exit code survives (int32 as a 64-bit varint).
    ActionResult negative;
    negative.exit_code = -2;
    CHECK(decode_action_result(encode_action_result(negative))->exit_code == -2);
}

TEST_CASE("a remote record: signed, checked, refused when tampered or unsigned") {
    const std::string entry = "fleche-entry 1\nkey ...\n";
    std::string signed_record = encode_remote_record(entry, key_a, std::string("k1"));
    std::string unsigned_record = encode_remote_record(entry, key_a, std::nullopt);
    CHECK(unsigned_record == "fleche-remote 1\nsignature -\n" + entry);

    CHECK(decode_remote_record(signed_record, key_a, std::string("k1")).bytes == entry);
    CHECK(decode_remote_record(unsigned_record, key_a, std::nullopt).bytes == entry);
    CHECK(decode_remote_record(signed_record, key_a, std::nullopt).bytes == entry);

    RecordRead wrong_key = decode_remote_record(signed_record, key_a, std::string("k2"));
    CHECK_FALSE(wrong_key.bytes);
    CHECK(wrong_key.refusal.find("bad signature") != std::string::npos);
    // Signed for another key: a writer cannot point key_b's ac/ value at it.
    CHECK_FALSE(decode_remote_record(signed_record, key_b, std::string("k1")).bytes);
    std::string tampered = signed_record;
    tampered.back() = 'X';
    CHECK_FALSE(decode_remote_record(tampered, key_a, std::string("k1")).bytes);
    RecordRead unsigned_read = decode_remote_record(unsigned_record, key_a, std::string("k1"));
    CHECK_FALSE(unsigned_read.bytes);
    CHECK(unsigned_read.refusal.find("unsigned") != std::string::npos);
    CHECK_FALSE(decode_remote_record("fleche-remote 2\n", key_a, std::nullopt).bytes);
    CHECK(signed_record.find("k1") == std::string::npos); // the key itself is never written
}

TEST_CASE("a signing key file must be private") {
    ScratchDir dir;
    dir.write("key", "s3cret\n");
    ::chmod("key", 0644);
    CHECK_THROWS_WITH_AS(read_signing_key_file("key"), doctest::Contains("chmod 600 key"),
                         fleche::Error);
    ::chmod("key", 0600);
    CHECK(read_signing_key_file("key") == "s3cret");
}

TEST_CASE("the cooldown stamp: seen by every process of the store, per server, once") {
    ScratchDir dir;
    std::filesystem::create_directories("store/tmp");
    const int64_t now = 1'000'000'000'000;
    Cooldown first("store", "http://a/cache");
    CHECK_FALSE(first.active(now));
    CHECK(first.claim_probe(now)); // no stamp: ask the server
    CHECK(first.begin(now, 60'000'000'000, "connect timeout after 250 ms"));

    Cooldown other("store", "http://a/cache"); // as another process sees it
    CHECK(other.active(now + 1) == "connect timeout after 250 ms");
    CHECK_FALSE(other.begin(now + 2, 60'000'000'000, "again"));       // not the first: no warning
    CHECK_FALSE(Cooldown("store", "http://b/cache").active(now + 1)); // another server

    // Expired: one process probes, the others keep skipping until it is done.
    int64_t later = now + 120'000'000'000;
    CHECK_FALSE(other.active(later));
    Cooldown prober("store", "http://a/cache"), third("store", "http://a/cache");
    CHECK(prober.claim_probe(later));
    CHECK_FALSE(third.claim_probe(later));
    prober.end(); // the server answered
    CHECK_FALSE(std::filesystem::exists("store/remote-down"));
    CHECK(third.claim_probe(later));

    // A damaged stamp, or a symlink in its place, does not count.
    std::ofstream("store/remote-down") << "fleche-remote-down 1\nserver http://a/cache\nuntil 9";
    CHECK_FALSE(Cooldown("store", "http://a/cache").active(now));
    std::filesystem::remove("store/remote-down");
    {
        Cooldown elsewhere("elsewhere", "http://a/cache");
        std::filesystem::create_directories("elsewhere/tmp");
        elsewhere.begin(now, 60'000'000'000, "x");
    }
    std::filesystem::create_symlink("../elsewhere/remote-down", "store/remote-down");
    CHECK_FALSE(Cooldown("store", "http://a/cache").active(now + 1));
}
