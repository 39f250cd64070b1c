#include "util/json.hpp"

#include <doctest/doctest.h>

using namespace fleche;

TEST_CASE("JSON strings are escaped and always valid UTF-8") {
    CHECK(json_quote("plain") == "\"plain\"");
    CHECK(json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json_quote("l1\nl2\tx\r") == "\"l1\\nl2\\tx\\r\"");
    CHECK(json_quote(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
    CHECK(json_quote(std::string("nul\0x", 5)) == "\"nul\\u0000x\"");
    CHECK(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
          "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    CHECK(json_quote("bad\xff") == "\"bad\\ufffd\"");
    CHECK(json_quote("\xc3") == "\"\\ufffd\"");                       // truncated sequence
    CHECK(json_quote("\xc0\xaf") == "\"\\ufffd\\ufffd\"");            // overlong
    CHECK(json_quote("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\""); // surrogate
}

TEST_CASE("the JSON writer places commas and colons") {
    JsonWriter w;
    w.begin_object();
    w.key("a").value(int64_t(-1));
    w.key("b").begin_array().value("x").value(true).null().value(1.5).end_array();
    w.key("c").begin_object().end_object();
    w.key("d").begin_array().begin_object().key("e").value(uint64_t(7)).end_object().end_array();
    w.end_object();
    CHECK(w.str() == "{\"a\":-1,\"b\":[\"x\",true,null,1.5],\"c\":{},\"d\":[{\"e\":7}]}\n");
}
