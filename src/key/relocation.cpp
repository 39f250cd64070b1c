#include "key/relocation.hpp"

#include "util/path_spec.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::key {

namespace {

std::string clean(const std::string &path) {
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
    return normal;
}

bool beneath(const std::string &path, const std::string &dir) {
    if (dir == "/")
        return path.starts_with('/');
    return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

bool same_file(const struct stat &a, const struct stat &b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// $PWD when it is another name of the working directory (a path through a
// symbolic link, as the shell keeps it).
std::optional<std::string> logical_cwd(const std::string &physical) {
    const char *pwd = std::getenv("PWD");
    if (!pwd || *pwd != '/' || clean(pwd) != pwd || physical == pwd)
        return std::nullopt;
    struct stat named, here;
    if (::stat(pwd, &named) != 0 || ::stat(".", &here) != 0 || !same_file(named, here))
        return std::nullopt;
    return std::string(pwd);
}

// Where an absolute path starts in an argument: 0 for a path; after an
// option prefix of letters, digits, '-' and '_', with at most a final '='
// ("-I", "-isystem", "--out=", "-DROOT="); npos for neither.
size_t path_start(const std::string &arg) {
    if (arg.starts_with('/'))
        return 0;
    size_t slash = arg.find('/');
    if (!arg.starts_with('-') || slash == std::string::npos || slash < 2)
        return std::string::npos;
    for (size_t i = 1; i < slash; ++i) {
        unsigned char c = static_cast<unsigned char>(arg[i]);
        bool word = std::isalnum(c) || c == '-' || c == '_';
        if (!word && !(c == '=' && i + 1 == slash))
            return std::string::npos;
    }
    return slash;
}

bool climbs(const std::string &relative) {
    return relative == ".." || relative.starts_with("../");
}

bool missing(int err) {
    return err == ENOENT || err == ENOTDIR;
}

// Whether `relative`, taken from ".", reaches what `absolute` names. A path
// that only descends does (each working directory of a Relocation is "."
// under another name); one that climbs may not, past a symbolic link. Where
// neither exists, their nearest existing ancestors decide.
bool names_same(std::string absolute, std::string relative) {
    while (climbs(relative)) {
        struct stat a, r;
        int a_err = ::stat(absolute.c_str(), &a) == 0 ? 0 : errno;
        int r_err = ::stat(relative.c_str(), &r) == 0 ? 0 : errno;
        if (!a_err && !r_err)
            return same_file(a, r);
        if (!missing(a_err) || !missing(r_err))
            return false;
        absolute = std::filesystem::path(absolute).parent_path().string();
        relative = std::filesystem::path(relative).parent_path().string();
    }
    return true;
}

} // namespace

std::optional<Relocation> Relocation::make(const std::optional<std::string> &base_dir) {
    if (!base_dir)
        return std::nullopt;
    char buffer[PATH_MAX];
    if (!::getcwd(buffer, sizeof buffer))
        return std::nullopt;
    std::vector<std::string> cwds;
    if (auto logical = logical_cwd(buffer))
        cwds.push_back(*logical);
    cwds.emplace_back(buffer);
    std::vector<std::string> bases{clean(*base_dir)};
    std::error_code error;
    std::string real = std::filesystem::canonical(bases[0], error).string();
    if (!error && real != bases[0])
        bases.push_back(real);
    Relocation relocation;
    for (const auto &base : bases)
        for (const auto &cwd : cwds)
            if (beneath(cwd, base))
                relocation.roots_.emplace_back(base, cwd);
    if (relocation.roots_.empty())
        return std::nullopt;
    return relocation;
}

std::optional<std::string> Relocation::relative(const std::string &absolute) const {
    std::string path = clean(absolute);
    for (const auto &[base, cwd] : roots_)
        if (beneath(path, base))
            return std::filesystem::path(path).lexically_relative(cwd).string();
    return std::nullopt;
}

std::string Relocation::argument(const std::string &arg) const {
    size_t start = path_start(arg);
    if (start == std::string::npos)
        return arg;
    auto relative_path = relative(arg.substr(start));
    if (!relative_path)
        return arg;
    std::string keyed = arg.substr(0, start) + *relative_path;
    if (arg.ends_with('/') && !keyed.ends_with('/'))
        keyed += '/';
    return keyed;
}

std::string Relocation::spec(const std::string &spec) const {
    std::string pattern(spec_pattern(spec));
    // A backslash escapes in a glob but not in a path: leave such a spec be.
    if (!pattern.starts_with('/') || pattern.find('\\') != std::string::npos)
        return spec;
    std::string literal = pattern, rest;
    if (size_t glob = pattern.find_first_of("*?["); glob != std::string::npos) {
        size_t slash = pattern.rfind('/', glob);
        literal = slash == 0 ? "/" : pattern.substr(0, slash);
        rest = pattern.substr(slash + 1);
    }
    auto relative_path = relative(literal);
    if (!relative_path || !names_same(clean(literal), *relative_path))
        return spec;
    std::string keyed = rest.empty()            ? *relative_path
                        : *relative_path == "." ? rest
                                                : *relative_path + "/" + rest;
    return spec.substr(0, spec.size() - pattern.size()) + keyed;
}

} // namespace fleche::key
