#include "engine/uncached.hpp"

#include "exec/inherited.hpp"

#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::engine {

namespace {

// A descriptor named inside a word of argv.
struct NamedFd {
    std::string_view number;    // as written: "63"
    long fd = -1;               // -1: a number too large to be open
    bool other_process = false; // /proc/PID/fd/N: not CMD's own descriptor
};

size_t digits_at(std::string_view text, size_t at) {
    size_t n = 0;
    while (at + n < text.size() && text[at + n] >= '0' && text[at + n] <= '9')
        ++n;
    return n;
}

// The descriptor named where `rest` begins, if one is. Names spelled
// otherwise (//dev/fd/3, a symlink to /dev/fd) are not recognised: finding
// them would cost a syscall for every word.
std::optional<NamedFd> named_fd(std::string_view rest) {
    static constexpr std::pair<std::string_view, int> std_names[] = {
        {"/dev/stdin", 0}, {"/dev/stdout", 1}, {"/dev/stderr", 2}};
    for (auto [name, fd] : std_names)
        if (rest.starts_with(name))
            return NamedFd{"", fd};
    size_t number_at = 0;
    bool other_process = false;
    if (rest.starts_with("/dev/fd/")) {
        number_at = 8;
    } else if (rest.starts_with("/proc/self/fd/")) {
        number_at = 14;
    } else if (rest.starts_with("/proc/thread-self/fd/")) {
        number_at = 21;
    } else if (rest.starts_with("/proc/")) {
        size_t pid = digits_at(rest, 6);
        if (pid == 0 || !rest.substr(6 + pid).starts_with("/fd/"))
            return std::nullopt;
        number_at = 6 + pid + 4;
        other_process = true;
    } else {
        return std::nullopt;
    }
    size_t n = digits_at(rest, number_at);
    if (n == 0)
        return std::nullopt;
    long fd = -1;
    if (n <= 9) {
        fd = 0;
        for (char c : rest.substr(number_at, n))
            fd = fd * 10 + (c - '0');
    }
    return NamedFd{rest.substr(number_at, n), fd, other_process};
}

// What the caller passed on fd `fd` (fleche's own fds are close-on-exec and
// none is open yet when this is asked), for the message only: every such
// fd is uncached, a regular file too, as its content is not in the key.
std::string passed(long fd, std::string_view digits) {
    std::string number(digits);
    struct stat st {};
    if (fd < 0 || ::fstat(static_cast<int>(fd), &st) != 0)
        return "descriptor " + number + ", which the caller did not pass";
    const char *what = S_ISFIFO(st.st_mode)   ? "a pipe"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                       : S_ISREG(st.st_mode)  ? "a file"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISDIR(st.st_mode)  ? "a directory"
                                              : "something";
    return std::string(what) + " passed by the caller (descriptor " + number + ")";
}

// Why what `named` names is not in the key, or nullopt when it is.
std::optional<std::string> not_in_key(const NamedFd &named, bool stdin_hashed) {
    if (named.other_process)
        return "a descriptor of another process; what CMD reads there is not in the key";
    if (named.fd == STDOUT_FILENO || named.fd == STDERR_FILENO)
        return std::nullopt; // CMD's own output, which fleche captures
    if (named.fd == STDIN_FILENO) {
        if (stdin_hashed)
            return std::nullopt; // CMD's fd 0 is the copy that was hashed
        return "stdin; its content is in the key only with --stdin";
    }
    return passed(named.fd, named.number) + "; what CMD reads there is not in the key";
}

} // namespace

std::optional<std::string> uncached_reason(const key::Invocation &invocation) {
    const auto &argv = invocation.argv;
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string_view word = argv[i];
        for (size_t at = word.find('/'); at != std::string_view::npos;
             at = word.find('/', at + 1)) {
            auto named = named_fd(word.substr(at));
            if (!named)
                continue;
            if (auto why = not_in_key(*named, invocation.hash_stdin)) {
                std::string which = i == 0 ? "the command" : "argument " + std::to_string(i);
                return which + " '" + argv[i] + "' names " + *why;
            }
        }
    }
    if (invocation.hash_stdin && exec::std_fd_closed(STDIN_FILENO))
        return "--stdin, but stdin is closed: CMD finds it closed, as it would without fleche";
    return std::nullopt;
}

} // namespace fleche::engine
