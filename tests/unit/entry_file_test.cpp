#include "store/entry_file.hpp"
#include "store/path_set_list.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

using namespace fleche;
using namespace fleche::store;

#define GOLDEN_KEY "817e03762a62a39a652e6d75a968d890011eeec211efa3eda7de54700e0f4f28"
#define GOLDEN_SUM "3e754323204d9b15df3be4f1e72490b8d93e49140de8d375493106bf4678ac8b"
#define B64 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C64 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define D64 "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define E64 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

namespace {

Entry sample() {
    Entry e;
    e.key_record = "fleche-key 1\nargv 4:true\noutput 3:out\n";
    e.key = sha256_hex(e.key_record);
    e.name = "true";
    e.command = "true 'a b'";
    e.exit_code = 3;
    e.log_blob = std::string(64, 'b');
    e.log_size = 12;
    e.started_ns = 100;
    e.stopped_ns = 250;
    e.user_ns = 7;
    e.system_ns = -8;
    e.max_rss_kb = 900;
    e.host = "h";
    e.user = "u";
    e.cwd = "/w";
    e.fleche_version = "0.1";
    e.tags = {{"a", "b\n"}, {"ci", ""}};
    e.outputs = {{"out", OutputType::directory, false, "", "", 0, 0700},
                 {"out/a", OutputType::file, true, std::string(64, 'c'), "", 7, 0750},
                 {"out/l", OutputType::symlink, false, "", "a", 1, std::nullopt}};
    e.outputs_size = 8;
    e.path_sets = {{{{"in/x", PathState::Kind::content, std::string(64, 'd')},
                     {"gone", PathState::Kind::missing, ""},
                     {"in", PathState::Kind::listing, std::string(64, 'e')}}},
                   {}};
    return e;
}

// The encoding of sample(), byte for byte: a change here is a format change
// (bump entry_format_version), never an accident.
const std::string golden_body = "fleche-entry 1\n"
                                "key " GOLDEN_KEY "\n"
                                "record 38:fleche-key 1\nargv 4:true\noutput 3:out\n\n"
                                "exit 3\n"
                                "log " B64 " 12\n"
                                "started 100\n"
                                "stopped 250\n"
                                "cpu 7 -8\n"
                                "max-rss-kb 900\n"
                                "host 1:h\n"
                                "user 1:u\n"
                                "cwd 2:/w\n"
                                "fleche 3:0.1\n"
                                "name 4:true\n"
                                "command 10:true 'a b'\n"
                                "tag 1:a 2:b\n\n"
                                "tag 2:ci 0:\n"
                                "output 3:out dir 0 700 - 0 0:\n"
                                "output 5:out/a file 1 750 " C64 " 7 0:\n"
                                "output 5:out/l link 0 - - 1 1:a\n"
                                "path-set 3\n"
                                "path 4:in/x content " D64 "\n"
                                "path 4:gone missing\n"
                                "path 2:in listing " E64 "\n"
                                "path-set 0\n";

bool rejected(const std::string &bytes, const std::string &expected_why = "") {
    std::string why;
    bool refused = !decode_entry(bytes, &why);
    CHECK(!why.empty());
    if (!expected_why.empty())
        CHECK(why == expected_why);
    return refused;
}

// Re-signs a body so that only the damage inside it is tested.
std::string signed_body(const std::string &body) {
    return body + "sha256 " + sha256_hex(body) + "\n";
}

} // namespace

TEST_CASE("an entry round-trips through its file encoding") {
    Entry e = sample();
    auto decoded = decode_entry(encode_entry(e));
    REQUIRE(decoded);
    CHECK(decoded->key == e.key);
    CHECK(decoded->key_record == e.key_record);
    CHECK(decoded->name == e.name);
    CHECK(decoded->command == e.command);
    CHECK(decoded->exit_code == e.exit_code);
    CHECK(decoded->log_blob == e.log_blob);
    CHECK(decoded->log_size == e.log_size);
    CHECK(decoded->outputs_size == e.outputs_size);
    CHECK(decoded->started_ns == e.started_ns);
    CHECK(decoded->stopped_ns == e.stopped_ns);
    CHECK(decoded->user_ns == e.user_ns);
    CHECK(decoded->system_ns == e.system_ns);
    CHECK(decoded->max_rss_kb == e.max_rss_kb);
    CHECK(decoded->host == e.host);
    CHECK(decoded->user == e.user);
    CHECK(decoded->cwd == e.cwd);
    CHECK(decoded->fleche_version == e.fleche_version);
    CHECK(decoded->tags == e.tags);
    CHECK(decoded->outputs == e.outputs);
    CHECK(decoded->path_sets == e.path_sets);
    CHECK(decoded->hits == 0);
    CHECK(decoded->last_use_ns == 0);
}

TEST_CASE("an entry without outputs, tags or path sets round-trips") {
    Entry e = sample();
    e.tags.clear();
    e.outputs.clear();
    e.outputs_size = 0;
    e.path_sets.clear();
    auto decoded = decode_entry(encode_entry(e));
    REQUIRE(decoded);
    CHECK(decoded->outputs.empty());
    CHECK(decoded->tags.empty());
    CHECK(decoded->path_sets.empty());
    CHECK(decoded->outputs_size == 0);
}

TEST_CASE("a fixed entry encodes to fixed bytes") {
    std::string bytes = encode_entry(sample());
    CHECK(bytes == signed_body(golden_body));
    CHECK(bytes.ends_with("sha256 " GOLDEN_SUM "\n"));
}

TEST_CASE("a damaged entry file is refused, never half-read") {
    std::string bytes = encode_entry(sample());
    REQUIRE(decode_entry(bytes));
    SUBCASE("empty") {
        CHECK(rejected("", "not an entry file"));
    }
    SUBCASE("another magic") {
        std::string other = bytes;
        other[0] = 'F';
        CHECK(rejected(other, "not an entry file"));
    }
    SUBCASE("a blob, not an entry") {
        CHECK(rejected(std::string("FLCB\1\0\0\0", 8)));
    }
    SUBCASE("a newer format version") {
        std::string body = golden_body;
        body.replace(0, 15, "fleche-entry 2\n");
        CHECK(rejected(signed_body(body), "entry format version 2, not 1"));
    }
    SUBCASE("truncated anywhere") {
        for (size_t n = 0; n < bytes.size(); ++n)
            CHECK(rejected(bytes.substr(0, n)));
    }
    SUBCASE("any byte flipped") {
        for (size_t i = 0; i < bytes.size(); ++i) {
            std::string flipped = bytes;
            flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
            CHECK(rejected(flipped));
        }
    }
    SUBCASE("trailing bytes") {
        CHECK(rejected(bytes + "x"));
    }
    SUBCASE("a checksum of other bytes") {
        std::string body = golden_body;
        body.replace(body.find("exit 3"), 6, "exit 0");
        CHECK(rejected(body + "sha256 " GOLDEN_SUM "\n", "the checksum does not match"));
    }
    // Well signed but malformed inside: what a buggy or hostile writer makes.
    SUBCASE("a string longer than the file") {
        std::string body = golden_body;
        body.replace(body.find("host 1:h"), 8, "host 9:h");
        CHECK(rejected(signed_body(body)));
    }
    SUBCASE("an unknown output type") {
        std::string body = golden_body;
        body.replace(body.find(" dir 0 "), 7, " fifo 0 ");
        CHECK(rejected(signed_body(body), "an unknown output type"));
    }
    SUBCASE("a file output without a blob") {
        std::string body = golden_body;
        body.replace(body.find(C64), 64, "-");
        CHECK(rejected(signed_body(body), "a malformed digest"));
    }
    SUBCASE("a mode that is not octal") {
        std::string body = golden_body;
        body.replace(body.find(" 750 "), 5, " 789 ");
        CHECK(rejected(signed_body(body)));
    }
    SUBCASE("a malformed number") {
        std::string body = golden_body;
        body.replace(body.find("exit 3"), 6, "exit 3x");
        CHECK(rejected(signed_body(body), "a malformed number"));
    }
    SUBCASE("an unknown path state") {
        std::string body = golden_body;
        body.replace(body.find(" listing "), 9, " probed ");
        CHECK(rejected(signed_body(body), "an unknown path state"));
    }
    SUBCASE("fewer paths than the path set says") {
        std::string body = golden_body;
        body.replace(body.find("path-set 3"), 10, "path-set 4");
        CHECK(rejected(signed_body(body)));
    }
    SUBCASE("elements out of order") {
        std::string body = golden_body;
        body.replace(body.find("host 1:h\nuser 1:u\n"), 18, "user 1:u\nhost 1:h\n");
        CHECK(rejected(signed_body(body), "expected 'host '"));
    }
    SUBCASE("an unknown line") {
        CHECK(rejected(signed_body(golden_body + "remote 1:x\n"), "an unexpected line"));
    }
}

TEST_CASE("a probed directory in a path set round-trips and has no digest") {
    Entry e = sample();
    e.path_sets = {{{{"inc", PathState::Kind::directory, ""}}}};
    std::string bytes = encode_entry(e);
    CHECK(bytes.find("path 3:inc directory\n") != std::string::npos);
    auto decoded = decode_entry(bytes);
    REQUIRE(decoded);
    CHECK(decoded->path_sets == e.path_sets);
}

TEST_CASE("a path state with a digest after 'directory' is refused") {
    std::string body = golden_body;
    std::string from = "path 4:gone missing\n";
    body.replace(body.find(from), from.size(),
                 "path 4:gone directory " + std::string(64, 'a') + "\n");
    std::string why;
    CHECK_FALSE(decode_entry(signed_body(body), &why));
    CHECK_FALSE(why.empty());
}

// EntryFiles::read checks a traced entry's key over these bytes instead of
// encoding the path set again: they must be that encoding, exactly.
TEST_CASE("the first path set's lines in an entry file are encode_path_lines of it") {
    Entry e = sample();
    e.path_sets.front().paths.push_back({"", PathState::Kind::directory, ""});
    e.path_sets.front().paths.push_back({".", PathState::Kind::cwd, ""});
    e.path_sets.front().paths.push_back({std::string(300, 'p'), PathState::Kind::missing, ""});
    std::string bytes = encode_entry(e);
    std::string_view lines;
    auto decoded = decode_entry(bytes, nullptr, &lines);
    REQUIRE(decoded);
    CHECK(lines == encode_path_lines(decoded->path_sets.front()));
    CHECK(lines == encode_path_lines(e.path_sets.front()));
    CHECK(lines.data() >= bytes.data());
    CHECK(lines.data() + lines.size() <= bytes.data() + bytes.size());
    SUBCASE("an empty first path set has no lines") {
        e.path_sets = {{}, e.path_sets.front()};
        std::string other = encode_entry(e);
        REQUIRE(decode_entry(other, nullptr, &lines));
        CHECK(lines.empty());
    }
}

// A length with a leading zero reads as the same string but is not the bytes
// the writer makes: refused, so that the lines above stay canonical.
TEST_CASE("a string length with a leading zero is refused") {
    std::string body = golden_body;
    body.replace(body.find("path 4:gone"), 11, "path 04:gone");
    std::string why;
    CHECK_FALSE(decode_entry(signed_body(body), &why));
    CHECK(why == "a malformed string");
    std::string host = golden_body;
    host.replace(host.find("host 1:h"), 8, "host 01:h");
    CHECK_FALSE(decode_entry(signed_body(host)));
    std::string empty = golden_body;
    empty.replace(empty.find("tag 2:ci 0:"), 11, "tag 2:ci 00:");
    CHECK_FALSE(decode_entry(signed_body(empty)));
}
