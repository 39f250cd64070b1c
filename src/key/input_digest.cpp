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
#include <unordered_map>

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

// What the walk before hashing saw, so that hashing looks neither again:
// each entry's lstat (or the errno it failed with), each directory's names.
struct Walk {
    struct Entry {
        int err;
        struct stat st;
    };
    struct Listing {
        std::vector<std::string> names;
        int err;
    };
    std::unordered_map<std::string, Entry> entries;
    std::unordered_map<std::string, Listing> listings;
};

// Digests the inputs, stopping at the first one that cannot be hashed: from
// then on no key can be made, and the reason is all that is wanted.
class InputHasher {
  public:
    InputHasher(FileHasher &hasher, const Walk &walk) : hasher_(hasher), walk_(walk) {}

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
            int err = 0;
            if (auto seen = walk_.entries.find(child); seen != walk_.entries.end()) {
                err = seen->second.err;
                st = seen->second.st;
            } else if (::lstat(child.c_str(), &st) != 0) {
                err = errno;
            }
            if (err) {
                // Gone since it was listed: the check after the run sees that.
                if (err != ENOENT)
                    cannot_read(child, err);
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
        std::vector<std::string> names;
        if (auto seen = walk_.listings.find(dir); seen != walk_.listings.end()) {
            names = seen->second.names;
            error = seen->second.err;
        } else {
            names = directory_entries(dir, error);
        }
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
    const Walk &walk_;
    std::string unhashable_;
};

// Every regular file that the specs name, directories walked (without
// following links inside them, as InputHasher::directory does). Each file is
// looked up in the cache right after its stat; those it does not know are
// left in `misses` for FileHasher::prefetch.
void collect_files(const std::string &path, bool top, FileHasher &hasher, Walk &walk,
                   std::vector<FileHasher::Found> &misses) {
    struct stat st;
    if (top) {
        if (::stat(path.c_str(), &st) != 0)
            return;
    } else {
        int err = ::lstat(path.c_str(), &st) != 0 ? errno : 0;
        walk.entries[path] = {err, st};
        if (err)
            return;
    }
    if (S_ISREG(st.st_mode)) {
        if (FileStamp stamp = stamp_of(st); !hasher.recall(path, stamp))
            misses.push_back({path, stamp});
    } else if (S_ISDIR(st.st_mode)) {
        int err;
        std::vector<std::string> names = directory_entries(path, err);
        for (const auto &name : names)
            collect_files(path + "/" + name, false, hasher, walk, misses);
        walk.listings[path] = {std::move(names), err};
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
    std::vector<FileHasher::Found> misses;
    Walk walk;
    for (const auto &spec : specs) {
        expanded.push_back(expand_spec(spec));
        for (const auto &path : expanded.back().paths)
            collect_files(path, true, hasher, walk, misses);
    }
    hasher.prefetch(misses);
    InputHasher hashing(hasher, walk);
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
