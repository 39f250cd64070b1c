#include "engine/uncached.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

using namespace fleche;

namespace {

std::string reason(std::vector<std::string> argv, bool hash_stdin = false) {
    key::Invocation invocation;
    invocation.argv = std::move(argv);
    invocation.hash_stdin = hash_stdin;
    return engine::uncached_reason(invocation).value_or("");
}

} // namespace

TEST_CASE("words that name no passed descriptor are keyed as usual") {
    CHECK(reason({"cat", "/dev/null", "/dev/fdx", "/dev/fd/", "/proc/self/fd", "a/b/c"}) == "");
    CHECK(reason({"cat", "/proc/x/fd/3", "/proc/12/fdinfo/3", "dev/fd/3"}) == "");
    // fds 1 and 2 are CMD's captured output; fd 0 is the hashed copy with --stdin.
    CHECK(reason({"tee", "/dev/stdout", "/dev/fd/2", "/proc/self/fd/1", "--x=/dev/stderr"}) == "");
    CHECK(reason({"cat", "/dev/stdin", "/dev/fd/0", "/proc/thread-self/fd/0"}, true) == "");
}

TEST_CASE("a word that names a passed descriptor makes the run uncached") {
    CHECK(reason({"cat", "/dev/stdin"}) ==
          "argument 1 '/dev/stdin' names stdin; its content is in the key only with --stdin");
    CHECK(reason({"cat", "-", "/proc/123/fd/1"}) ==
          "argument 2 '/proc/123/fd/1' names a descriptor of another process; what CMD reads "
          "there is not in the key");
    CHECK(reason({"/dev/fd/3"}).starts_with("the command '/dev/fd/3' names "));
    CHECK(reason({"cat", "/dev/fd/99999"}) ==
          "argument 1 '/dev/fd/99999' names descriptor 99999, which the caller did not pass; "
          "what CMD reads there is not in the key");
    CHECK(reason({"cat", "/dev/fd/123456789012"}).find("descriptor 123456789012, which") !=
          std::string::npos);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::string word = "--in=/proc/self/fd/" + std::to_string(fds[0]);
    CHECK(reason({"sort", word}) ==
          "argument 1 '" + word + "' names a pipe passed by the caller (descriptor " +
              std::to_string(fds[0]) + "); what CMD reads there is not in the key");
    ::close(fds[0]);
    ::close(fds[1]);
}
