#include "key/input_digest.hpp"

#include "key/key_record.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/path_spec.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::key {

namespace {

bool is_executable(const struct stat &st) {
    return (st.st_mode & S_IXUSR) != 0;
}

// What a FIFO, socket or device would give CMD is not a file's content: no
// digest can stand for it, and reading one may never end.
const char *unhashable_type(mode_t mode) {
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a file, directory or symbolic link";
}

// Digests the inputs, stopping at the first one that cannot be hashed: from
// then on no key can be made, and the reason is all that is wanted.
class InputHasher {
  public:
    explicit InputHasher(FileHasher &hasher) : hasher_(hasher) {}

    const std::string &unhashable() const { return unhashable_; }

    // One declared path (following symlinks).
    InputDigest input(const std::string &path) {
        InputDigest input{normalize_path(path), InputKind::missing, ""};
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) {
            int err = errno;
            bool dangling = err == ENOENT || err == ENOTDIR || err == ELOOP;
            if (dangling && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
                if (auto target = link_text(path)) {
                    input.kind = InputKind::symlink;
                    input.digest = sha256_hex(*target);
                }
            } else if (err != ENOENT && err != ENOTDIR) {
                cannot_read(path, err); // there may be something there: not missing
            }
            return input;
        }
        if (S_ISDIR(st.st_mode)) {
            input.kind = InputKind::directory;
            input.digest = directory(path);
        } else if (S_ISREG(st.st_mode)) {
            input.kind = is_executable(st) ? InputKind::executable : InputKind::file;
            input.digest = file(path, st);
        } else {
            cannot_hash(path, st.st_mode);
        }
        return input;
    }

  private:
    // The SHA-256 of the entries sorted by name, each "<type> <digest> <name
    // length>:<name>\n", type one of f (file), x (executable file), d
    // (directory, recursively) or l (symlink, digest of the target text, not
    // followed).
    std::string directory(const std::string &path) {
        std::string listing;
        for (const auto &name : sorted_names(path)) {
            if (!unhashable_.empty())
                return "";
            std::string child = path + "/" + name;
            struct stat st;
            if (::lstat(child.c_str(), &st) != 0) {
                // Gone since it was listed: the check after the run sees that.
                if (errno != ENOENT)
                    cannot_read(child, errno);
                continue;
            }
            char type;
            std::string digest;
            if (S_ISREG(st.st_mode)) {
                type = is_executable(st) ? 'x' : 'f';
                digest = file(child, st);
            } else if (S_ISDIR(st.st_mode)) {
                type = 'd';
                digest = directory(child);
            } else if (S_ISLNK(st.st_mode)) {
                type = 'l';
                digest = sha256_hex(link_text(child).value_or(""));
            } else {
                cannot_hash(child, st.st_mode);
                return "";
            }
            listing += type;
            listing += ' ';
            listing += digest;
            listing += ' ';
            append_record_str(listing, name);
            listing += '\n';
        }
        return sha256_hex(listing);
    }

    std::string file(const std::string &path, const struct stat &st) {
        std::string problem;
        auto digest = hasher_.try_digest(path, st, problem);
        if (!digest && unhashable_.empty())
            unhashable_ = problem;
        return digest.value_or("");
    }

    std::vector<std::string> sorted_names(const std::string &dir) {
        int error;
        std::vector<std::string> names = directory_entries(dir, error);
        if (error)
            cannot_read(dir, error);
        std::sort(names.begin(), names.end());
        return names;
    }

    std::optional<std::string> link_text(const std::string &path) {
        std::string target(256, '\0');
        for (;;) {
            ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
            if (n < 0) {
                cannot_read(path, errno);
                return std::nullopt;
            }
            if (static_cast<size_t>(n) < target.size()) {
                target.resize(static_cast<size_t>(n));
                return target;
            }
            target.resize(target.size() * 2);
        }
    }

    void cannot_read(const std::string &path, int err) {
        if (unhashable_.empty())
            unhashable_ = errno_message("cannot read '" + path + "'", err);
    }

    void cannot_hash(const std::string &path, mode_t mode) {
        if (unhashable_.empty())
            unhashable_ = "cannot hash input '" + path + "': it is " + unhashable_type(mode) +
                          ", whose content is not a file's (declare the files it is fed from)";
    }

    FileHasher &hasher_;
    std::string unhashable_;
};

// Every regular file that the specs name, directories walked (without
// following links inside them, as InputHasher::directory does).
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

std::string normalize_path(const std::string &path) {
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
    return normal.empty() ? "." : normal;
}

DigestedInputs digest_inputs(const std::vector<std::string> &specs, bool warn_missing,
                             FileHasher &hasher) {
    std::vector<SpecPaths> expanded;
    std::vector<std::string> files;
    for (const auto &spec : specs) {
        expanded.push_back(expand_spec(spec));
        for (const auto &path : expanded.back().paths)
            collect_files(path, true, files);
    }
    hasher.prefetch(files);
    InputHasher hashing(hasher);
    DigestedInputs digested;
    auto &inputs = digested.inputs;
    for (size_t i = 0; i < specs.size() && hashing.unhashable().empty(); ++i) {
        const auto &[glob, paths, unreadable] = expanded[i];
        if (!unreadable.empty()) {
            digested.unhashable = unreadable;
            return digested;
        }
        for (const auto &path : paths)
            inputs.push_back(hashing.input(path));
        bool missing = glob ? paths.empty() : inputs.back().kind == InputKind::missing;
        if (missing && warn_missing && hashing.unhashable().empty())
            warn("input '" + specs[i] + "' does not exist; recorded as missing");
        if (glob && paths.empty())
            inputs.push_back({specs[i], InputKind::missing, ""});
    }
    digested.unhashable = hashing.unhashable();
    std::stable_sort(inputs.begin(), inputs.end(),
                     [](const auto &a, const auto &b) { return a.path < b.path; });
    inputs.erase(std::unique(inputs.begin(), inputs.end(),
                             [](const auto &a, const auto &b) { return a.path == b.path; }),
                 inputs.end());
    return digested;
}

} // namespace fleche::key
