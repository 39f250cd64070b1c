#include "key/tool.hpp"

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <functional>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fleche::key {

namespace {

// Linux follows at most 4 levels of nested #! interpreters.
constexpr int max_interpreter_depth = 4;

bool is_runnable_file(const std::string &path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

// "#!/usr/bin/env python3 -u" -> {"/usr/bin/env", "python3 -u"}
std::pair<std::string, std::string> read_shebang(const std::string &path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    char buffer[256];
    ssize_t n = fd ? read_some(fd.get(), buffer, sizeof buffer) : -1;
    if (n < 2 || buffer[0] != '#' || buffer[1] != '!')
        return {};
    std::string line(buffer + 2, static_cast<size_t>(n) - 2);
    line = line.substr(0, line.find('\n'));
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos)
        return {};
    auto end = line.find_first_of(" \t", first);
    std::string interpreter = line.substr(first, end - first);
    std::string rest;
    if (end != std::string::npos) {
        auto arg = line.find_first_not_of(" \t", end);
        if (arg != std::string::npos)
            rest = line.substr(arg, line.find_last_not_of(" \t\r") + 1 - arg);
    }
    return {interpreter, rest};
}

std::string trim_left(const std::string &text) {
    auto first = text.find_first_not_of(" \t");
    return first == std::string::npos ? "" : text.substr(first);
}

// The program that "#!/usr/bin/env [-S] PROGRAM ARGS" runs, if any.
std::string env_program(const std::string &args) {
    std::string rest = args.starts_with("-S") ? trim_left(args.substr(2)) : args;
    if (rest.empty() || rest[0] == '-')
        return {};
    return rest.substr(0, rest.find_first_of(" \t"));
}

// How one file (the executable or an interpreter) is identified.
using FileId = std::function<std::string(const std::string &path)>;

std::string mtime_id(const std::string &path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw Error(errno_message("cannot stat '" + path + "'", errno));
    int64_t mtime = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return sha256_hex("mtime " + std::to_string(mtime) + " size " + std::to_string(st.st_size));
}

void add_interpreters(const std::string &script, Tool &tool, int depth, const FileId &id) {
    if (depth >= max_interpreter_depth)
        return;
    auto [interpreter, args] = read_shebang(script);
    if (interpreter.empty())
        return;
    if (!is_runnable_file(interpreter))
        return; // execve reports it; the child exits 126/127 and is not stored
    tool.digests.push_back(id(interpreter));
    std::string program;
    if (interpreter.ends_with("/env"))
        program = env_program(args);
    if (!program.empty()) {
        const char *path = std::getenv("PATH");
        try {
            std::string resolved = resolve_executable(program, path ? path : "");
            tool.digests.push_back(id(resolved));
            add_interpreters(resolved, tool, depth + 1, id);
        } catch (const Error &) {
            // the script fails to start; nothing more to identify
        }
        return;
    }
    add_interpreters(interpreter, tool, depth + 1, id);
}

// The output (stdout and stderr) of a version command; throws Error when it
// cannot run or fails, since a tool whose identity is unknown must not hit.
std::string version_output(const std::string &command) {
    FILE *pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        throw Error(
            errno_message("cannot run the tool's version command '" + command + "'", errno));
    std::string output;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
        output.append(buffer, n);
    int status = ::pclose(pipe);
    if (status != 0)
        throw Error("the tool's version command '" + command + "' failed (status " +
                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status) +
                    "); fix the tool setting (\"version:CMD ARGS\") in your fleche.toml");
    return output;
}

} // namespace

std::string resolve_executable(const std::string &name, const std::string &search_path) {
    if (name.empty())
        throw Error("empty command name", exit_not_found);
    if (name.find('/') != std::string::npos) {
        struct stat st;
        if (::stat(name.c_str(), &st) != 0)
            throw Error(errno_message(name, errno), exit_not_found);
        if (!is_runnable_file(name))
            throw Error(name + ": cannot be executed (not an executable file)",
                        exit_cannot_execute);
        return name;
    }
    bool found_unrunnable = false;
    size_t start = 0;
    for (;;) {
        size_t colon = search_path.find(':', start);
        std::string dir = search_path.substr(start, colon - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        struct stat st;
        if (is_runnable_file(candidate))
            return candidate;
        if (::stat(candidate.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
            found_unrunnable = true;
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    if (found_unrunnable)
        throw Error(name + ": cannot be executed (permission denied)", exit_cannot_execute);
    throw Error(name + ": command not found", exit_not_found);
}

ToolIdentity parse_tool_identity(const std::string &text, const std::string &what) {
    using Mode = ToolIdentity::Mode;
    if (text == "content")
        return {Mode::content, ""};
    if (text == "mtime")
        return {Mode::mtime, ""};
    if (text.starts_with("version:") && text.size() > 8)
        return {Mode::version, text.substr(8)};
    if (text.starts_with("string:"))
        return {Mode::string, text.substr(7)};
    throw Error(what + " is '" + text +
                "'; allowed: \"content\", \"mtime\", \"version:CMD ARGS\" or \"string:TEXT\"");
}

Tool identify_tool(const std::string &argv0, const ToolIdentity &identity, FileHasher &hasher) {
    using Mode = ToolIdentity::Mode;
    const char *path = std::getenv("PATH");
    Tool tool;
    tool.path = resolve_executable(argv0, path ? path : "/usr/local/bin:/usr/bin:/bin");
    switch (identity.mode) {
    case Mode::content:
    case Mode::mtime: {
        FileId content = [&hasher](const std::string &file) {
            struct stat st;
            if (::stat(file.c_str(), &st) != 0)
                throw Error(errno_message("cannot read '" + file + "'", errno));
            return hasher.digest(file, st);
        };
        FileId id = identity.mode == Mode::content ? content : FileId(mtime_id);
        tool.digests.push_back(id(tool.path));
        add_interpreters(tool.path, tool, 0, id);
        break;
    }
    case Mode::version:
        tool.digests.push_back(sha256_hex("version " + version_output(identity.argument)));
        break;
    case Mode::string:
        tool.digests.push_back(sha256_hex("string " + identity.argument));
        break;
    }
    return tool;
}

} // namespace fleche::key
