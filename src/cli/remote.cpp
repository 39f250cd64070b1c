// fleche remote check: the remote cache's configuration tried end to end
// (connect, credentials, a PUT and a GET of a small blob when writable), one
// line per step, for setting up CI. Exit 0 when every step worked.
#include "cli/commands.hpp"
#include "engine/configure.hpp"
#include "remote/remote_cache.hpp"
#include "remote/remote_config.hpp"
#include "util/error.hpp"

#include <cstdio>
#include <memory>

namespace fleche::cli {

namespace {

int remote_check() {
    config::Config config = config::load();
    auto settings = remote::remote_config(config, config::process_variable);
    if (!settings)
        throw Error("no remote cache is configured; set [remote] url in fleche.toml, or "
                    "FLECHE_REMOTE (http://, https://, redis:// or rediss://)");
    auto store = engine::open_configured_store(); // for the cooldown stamp it clears
    remote::RemoteCache remote(*settings, *store, false);
    bool ok = remote.check([](bool step_ok, const std::string &line) {
        std::printf("%s %s\n", step_ok ? "ok  " : "FAIL", line.c_str());
        std::fflush(stdout);
    });
    return ok ? 0 : 1;
}

} // namespace

Subcommand remote_command(const CommandWords &) {
    auto what = std::make_shared<std::string>();
    Subcommand sub{.name = "remote",
                   .description = "Check the remote cache's configuration end to end",
                   .footer = "Usage: fleche remote check\n"
                             "Exit status: 0 when the remote cache works as configured, 1 "
                             "when a step failed, 125 when none is configured.\n",
                   .action = [what] {
                       if (*what != "check")
                           throw Error("fleche remote takes 'check', not '" + *what + "'");
                       return remote_check();
                   }};
    sub.options.push_back({.names = "WHAT",
                           .help = "check: connect, authenticate, PUT and GET a small blob",
                           .target = what.get(),
                           .type_name = "check",
                           .required = true});
    return sub;
}

} // namespace fleche::cli
