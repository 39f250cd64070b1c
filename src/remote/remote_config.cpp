#include "remote/remote_config.hpp"

#include "remote/remote_record.hpp"
#include "remote/remote_url.hpp"
#include "util/error.hpp"

namespace fleche::remote {

namespace {

std::string variable(const config::Environment &environment,
                     const std::optional<std::string> &name) {
    if (!name || name->empty())
        return "";
    return environment(name->c_str()).value_or("");
}

// "Name: value", where a value "env:VAR" is the variable's value (so that a
// key need not be written into a file).
std::pair<std::string, std::string> header(const std::string &text,
                                           const config::Environment &environment) {
    size_t colon = text.find(':');
    std::string name = text.substr(0, colon);
    bool token = !name.empty() && name.find_first_of(" \t\r\n") == std::string::npos;
    if (colon == std::string::npos || !token)
        throw Error("remote.headers: '" + name +
                    "...' is not a header; write \"Name: value\" or \"Name: env:VARIABLE\"");
    std::string value = text.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (value.starts_with("env:"))
        value = environment(value.c_str() + 4).value_or("");
    if (value.find_first_of("\r\n") != std::string::npos)
        throw Error("remote.headers: the value of '" + name + "' holds a line break");
    return {name, value};
}

} // namespace

std::optional<RemoteConfig> remote_config(const config::Config &config,
                                          const config::Environment &environment) {
    auto url = config.text("remote.url");
    if (!url || url->empty() || *url == "off")
        return std::nullopt;
    RemoteConfig remote;
    RemoteSettings &settings = remote.settings;
    settings.url = *url;
    settings.bearer_token = variable(environment, config.text("remote.token_env"));
    // The URL's userinfo, each half replaced by what is configured apart.
    RemoteUrl parsed = parse_remote_url(*url);
    settings.user = config.text("remote.user").value_or(parsed.user);
    settings.password = variable(environment, config.text("remote.password_env"));
    if (settings.password.empty())
        settings.password = parsed.password;
    for (const auto &text : config.texts("remote.headers"))
        settings.headers.push_back(header(text, environment));
    settings.tls_ca = config.text("remote.tls_ca").value_or("");
    settings.tls_cert = config.text("remote.tls_cert").value_or("");
    settings.tls_key = config.text("remote.tls_key").value_or("");
    settings.connect_timeout_ms = config.duration_ns("remote.connect_timeout") / 1'000'000;
    settings.timeout_ms = config.duration_ns("remote.timeout") / 1'000'000;
    settings.redis_prefix = config.text("remote.prefix").value_or("fleche:");
    remote.read_only = config.remote_read_only();
    remote.upload_timeout_ns = config.duration_ns("remote.upload_timeout");
    remote.cooldown_ns = config.duration_ns("remote.cooldown");
    if (std::string key = variable(environment, config.text("remote.signing_key_env"));
        !key.empty())
        remote.signing_key = key;
    else if (auto file = config.text("remote.signing_key_file"))
        remote.signing_key = read_signing_key_file(*file);
    return remote;
}

} // namespace fleche::remote
