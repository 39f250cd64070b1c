// Golden vectors: these keys must never change by accident. If a change to
// the encoding is intended, bump key_format_version and update the vectors
// (the expected keys were computed independently with Python's hashlib).
#include "key/key_record.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace fleche::key;

namespace {

std::string hex(char c) {
    return std::string(64, c);
}

KeyRecord full_record() {
    KeyRecord r;
    r.argv = {"sim", "--dt=0.1\nx"};
    r.tool = {hex('1'), hex('2')};
    r.cwd = "/work/sim";
    // deliberately unsorted: canonicalize() orders them
    r.env = {{"UNSET", std::nullopt}, {"OMP_NUM_THREADS", "4"}, {"HOME", ""}};
    r.inputs = {{"run.sh", InputKind::executable, hex('5')},
                {"missing", InputKind::missing, ""},
                {"mesh", InputKind::directory, hex('4')},
                {"data/a.v", InputKind::file, hex('3')}};
    r.stdin_digest = hex('6');
    r.salt = "v2";
    r.outputs = {"out/dir", "out.h", "out.h"};
    r.canonicalize();
    return r;
}

} // namespace

TEST_CASE("a minimal key record has a pinned encoding and key") {
    KeyRecord r;
    r.argv = {"gcc", "-c", "x.c"};
    r.tool = {hex('a')};
    r.canonicalize();
    CHECK(r.encode() == "fleche-key 1\nargv 3:gcc\nargv 2:-c\nargv 3:x.c\ntool " + hex('a') + "\n");
    CHECK(r.key() == "6d7996a8cbf6e372d04faa9f4efc1259cf0c7d0a5505e7aa5ba63ff644399ef9");
}

TEST_CASE("every element of the key record has a pinned encoding") {
    KeyRecord r = full_record();
    CHECK(r.encode() ==
          "fleche-key 1\nargv 3:sim\nargv 10:--dt=0.1\nx\ntool " + hex('1') + "\ninterpreter " +
              hex('2') +
              "\ncwd 9:/work/sim\nenv 4:HOME 0:\nenv 15:OMP_NUM_THREADS 1:4\nenv 5:UNSET unset\n"
              "input 8:data/a.v file " +
              hex('3') + "\ninput 4:mesh dir " + hex('4') +
              "\ninput 7:missing missing\ninput 6:run.sh exec " + hex('5') + "\nstdin " + hex('6') +
              "\nsalt 2:v2\noutput 5:out.h\noutput 7:out/dir\n");
    CHECK(r.key() == "01af0c8082dbc0e2b9e3a749060641b5f270910a530038fa92c69b73007de55f");
}

TEST_CASE("unset and empty variables give different keys") {
    KeyRecord a = full_record(), b = full_record();
    b.env[2].value = ""; // UNSET
    CHECK(a.key() != b.key());
}

TEST_CASE("length prefixes keep argument boundaries unambiguous") {
    KeyRecord a, b;
    a.argv = {"echo", "a b"};
    b.argv = {"echo", "a", "b"};
    a.tool = b.tool = {hex('0')};
    CHECK(a.key() != b.key());
    KeyRecord c = a;
    c.argv = {"echo", "a b\nargv 1:x"};
    CHECK(c.key() != a.key());
}

TEST_CASE("argument order matters, declaration order of sets does not") {
    KeyRecord a = full_record(), b = full_record();
    std::swap(b.argv[0], b.argv[1]);
    CHECK(a.key() != b.key());
    KeyRecord c = full_record();
    std::reverse(c.inputs.begin(), c.inputs.end());
    std::reverse(c.env.begin(), c.env.end());
    c.canonicalize();
    CHECK(a.key() == c.key());
}

TEST_CASE("a key record parses back to itself") {
    KeyRecord r = full_record();
    auto parsed = KeyRecord::parse(r.encode());
    REQUIRE(parsed.has_value());
    CHECK(parsed->encode() == r.encode());
    CHECK(parsed->argv == r.argv); // a newline inside an argument survives
    CHECK(parsed->env == r.env);
    CHECK(parsed->inputs == r.inputs);
    CHECK(parsed->tool == r.tool);
    CHECK(parsed->cwd == r.cwd);
    CHECK(parsed->stdin_digest == r.stdin_digest);
    CHECK(parsed->salt == r.salt);
    CHECK(parsed->outputs == r.outputs);

    KeyRecord minimal;
    minimal.argv = {""};
    minimal.tool = {hex('a')};
    CHECK(KeyRecord::parse(minimal.encode())->argv == std::vector<std::string>{""});
}

TEST_CASE("malformed key records are refused, not guessed") {
    std::string good = full_record().encode();
    CHECK_FALSE(KeyRecord::parse("").has_value());
    CHECK_FALSE(KeyRecord::parse("fleche-key 2\nargv 1:x\n").has_value());
    CHECK_FALSE(KeyRecord::parse(good.substr(0, good.size() - 1)).has_value()); // no final newline
    CHECK_FALSE(KeyRecord::parse("fleche-key 1\nargv 5:x\n").has_value());      // length overruns
    CHECK_FALSE(KeyRecord::parse("fleche-key 1\nargv x:x\n").has_value());
    CHECK_FALSE(KeyRecord::parse("fleche-key 1\nbogus 1:x\n").has_value());
    CHECK_FALSE(KeyRecord::parse("fleche-key 1\ninput 1:x weird\n").has_value());
    CHECK_FALSE(KeyRecord::parse("fleche-key 1\ninterpreter " + hex('a') + "\n").has_value());
    // unsorted env: not what encode() would have written
    CHECK_FALSE(KeyRecord::parse("fleche-key 1\nenv 1:b unset\nenv 1:a unset\n").has_value());
}

TEST_CASE("the record's string codec reads back any bytes and refuses what is not one") {
    std::string bytes("a:1\n\0b", 6);
    CHECK(record_str(bytes) == std::string("6:a:1\n\0b", 8));
    std::string text = "x " + record_str(bytes) + record_str("");
    size_t pos = 2;
    std::string out;
    REQUIRE(read_record_str(text, pos, out));
    CHECK(out == bytes);
    REQUIRE(read_record_str(text, pos, out));
    CHECK(out == "");
    CHECK(pos == text.size());
    for (std::string bad : {"", ":", "3:ab", "a:b", "-1:a", "99999999999999999999:a"}) {
        size_t at = 0;
        CHECK_FALSE(read_record_str(bad, at, out));
        CHECK(at == 0);
    }
}

TEST_CASE("the lines a search looks for are the lines the record holds") {
    KeyRecord r = full_record();
    std::string encoded = r.encode();
    CHECK(encoded.starts_with(record_header() + record_line("argv", "sim")));
    CHECK(encoded.find("\n" + record_line("argv", "--dt=0.1\nx")) != std::string::npos);
    CHECK(encoded.find("\ninput " + record_str("data/a.v") + " file ") != std::string::npos);
}
