// Text for terminals: stored names, tags and commands never carry a raw
// control character to the screen.
#include "util/text.hpp"

#include <doctest/doctest.h>

using namespace fleche;

TEST_CASE("printable escapes control characters and leaves the rest") {
    CHECK(printable("plain text, caf\xc3\xa9 \xe2\x82\xac") ==
          "plain text, caf\xc3\xa9 \xe2\x82\xac");
    CHECK(printable("a\\x1b stays") == "a\\x1b stays");
    CHECK(printable("\x1b[31mred\x07") == "\\x1b[31mred\\x07");
    CHECK(printable("l1\nl2\tx\r") == "l1\\nl2\\tx\\r");
    CHECK(printable(std::string("nul\0x\x7f", 6)) == "nul\\x00x\\x7f");
    CHECK(printable("c1 \xc2\x9b[1m") == "c1 \\xc2\\x9b[1m"); // U+009B, CSI
    CHECK(printable("nbsp \xc2\xa0") == "nbsp \xc2\xa0");
    CHECK(printable("bad \xff\xc3") == "bad \\xff\\xc3");
}

TEST_CASE("quoted escapes quotes, backslashes and control characters") {
    CHECK(quoted("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"");
    CHECK(quoted("\x1b]0;t\x07") == "\"\\x1b]0;t\\x07\"");
    CHECK(quoted("\xff") == "\"\\xff\"");
}

TEST_CASE("shell_join keeps bytes; printable_shell_join writes $'...' for control characters") {
    std::vector<std::string> argv = {"echo", "a b", "it's", "\x1b]0;pwned\x07", "x'\\\n"};
    CHECK(shell_join(argv) == "echo 'a b' 'it'\\''s' '\x1b]0;pwned\x07' 'x'\\''\\\n'");
    CHECK(printable_shell_join(argv) ==
          "echo 'a b' 'it'\\''s' $'\\x1b]0;pwned\\x07' $'x\\'\\\\\\n'");
    CHECK(printable_shell_join({"plain", "--x=1"}) == "plain --x=1");
}
