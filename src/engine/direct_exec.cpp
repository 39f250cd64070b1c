#include "engine/direct_exec.hpp"

#include "config/keys.hpp"
#include "exec/inherited.hpp"
#include "key/tool.hpp"
#include "util/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <unistd.h>

namespace fleche::engine {

bool disabled_by_environment() {
    const char *value = std::getenv("FLECHE_DISABLE");
    return value && *value && config::parse_switch(value, "FLECHE_DISABLE");
}

int exec_directly(const std::vector<std::string> &command) {
    if (command.empty())
        throw Error("no command given: write it after '--', as in: fleche run -- CMD ARGS...");
    const char *path = std::getenv("PATH");
    std::string executable =
        key::resolve_executable(command[0], path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::vector<char *> argv;
    for (const auto &word : command)
        argv.push_back(const_cast<char *>(word.c_str()));
    argv.push_back(nullptr);
    exec::restore_inherited();
    ::execv(executable.c_str(), argv.data());
    throw Error(errno_message("cannot execute '" + executable + "'", errno), exit_cannot_execute);
}

} // namespace fleche::engine
