#include "key/input_digest.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/glob.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::key {

namespace {

std::string read_link(const std::string &path) {
    std::string target(256, '\0');
    for (;;) {
        ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
        if (n < 0)
            throw Error(errno_message("cannot read link '" + path + "'", errno));
        if (static_cast<size_t>(n) < target.size()) {
            target.resize(static_cast<size_t>(n));
            return target;
        }
        target.resize(target.size() * 2);
    }
}

bool is_executable(const struct stat &st) { return (st.st_mode & S_IXUSR) != 0; }

std::vector<std::string> sorted_names(const std::string &dir) {
    std::vector<std::string> names;
    DIR *d = ::opendir(dir.c_str());
    if (!d)
        throw Error(errno_message("cannot read directory '" + dir + "'", errno));
    while (dirent *e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..")
            names.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

std::string normalize_path(const std::string &path) {
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
    return normal.empty() ? "." : normal;
}

std::string digest_directory(const std::string &path, FileHasher &hasher) {
    std::string listing;
    for (const auto &name : sorted_names(path)) {
        std::string child = path + "/" + name;
        struct stat st;
        if (::lstat(child.c_str(), &st) != 0)
            continue; // removed while we read: the post-run check notices changes
        char type = 'o';
        std::string digest;
        if (S_ISREG(st.st_mode)) {
            type = is_executable(st) ? 'x' : 'f';
            digest = hasher.digest(child, st);
        } else if (S_ISDIR(st.st_mode)) {
            type = 'd';
            digest = digest_directory(child, hasher);
        } else if (S_ISLNK(st.st_mode)) {
            type = 'l';
            digest = sha256_hex(read_link(child));
        }
        listing += type;
        listing += ' ';
        listing += digest;
        listing += ' ';
        listing += std::to_string(name.size());
        listing += ':';
        listing += name;
        listing += '\n';
    }
    return sha256_hex(listing);
}

InputDigest digest_input(const std::string &path, FileHasher &hasher) {
    InputDigest input{normalize_path(path), InputKind::missing, ""};
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
            input.kind = InputKind::symlink;
            input.digest = sha256_hex(read_link(path));
        }
        return input;
    }
    if (S_ISDIR(st.st_mode)) {
        input.kind = InputKind::directory;
        input.digest = digest_directory(path, hasher);
    } else {
        input.kind = is_executable(st) ? InputKind::executable : InputKind::file;
        input.digest = hasher.digest(path, st);
    }
    return input;
}

namespace {

// Every regular file that the specs name, directories walked (without
// following links inside them, as digest_directory does).
void collect_files(const std::string &path, bool top, std::vector<std::string> &files) {
    struct stat st;
    if ((top ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0)
        return;
    if (S_ISREG(st.st_mode)) {
        files.push_back(path);
    } else if (S_ISDIR(st.st_mode)) {
        for (const auto &name : directory_entries(path))
            collect_files(path + "/" + name, false, files);
    }
}

} // namespace

std::vector<InputDigest> digest_inputs(const std::vector<std::string> &specs, bool warn_missing,
                                       FileHasher &hasher) {
    std::vector<std::string> files;
    for (const auto &spec : specs)
        for (const auto &path : has_glob_chars(spec) ? expand_glob(spec) : std::vector{spec})
            collect_files(path, true, files);
    hasher.prefetch(files);
    std::vector<InputDigest> inputs;
    for (const auto &spec : specs) {
        if (has_glob_chars(spec)) {
            auto matches = expand_glob(spec);
            if (matches.empty()) {
                if (warn_missing)
                    warn("input '" + spec + "' does not exist; recorded as missing");
                inputs.push_back({spec, InputKind::missing, ""});
            }
            for (const auto &match : matches)
                inputs.push_back(digest_input(match, hasher));
            continue;
        }
        InputDigest input = digest_input(spec, hasher);
        if (input.kind == InputKind::missing && warn_missing)
            warn("input '" + spec + "' does not exist; recorded as missing");
        inputs.push_back(std::move(input));
    }
    std::stable_sort(inputs.begin(), inputs.end(),
                     [](const auto &a, const auto &b) { return a.path < b.path; });
    inputs.erase(std::unique(inputs.begin(), inputs.end(),
                             [](const auto &a, const auto &b) { return a.path == b.path; }),
                 inputs.end());
    return inputs;
}

} // namespace fleche::key
