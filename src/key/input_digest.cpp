#include "key/input_digest.hpp"

#include "key/key_record.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/path_spec.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
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
    return special_file_name(mode, "not a file, directory or symbolic link");
}

// What the walk before hashing saw, so that hashing looks neither again:
// each declared path's stat, each directory's names (sorted) and each name's
// lstat (or the errno it failed with), and the digests the cache knew.
struct Walk {
    struct Entry {
        std::string name;
        int err = 0;
        mode_t mode = 0;
        FileStamp stamp;
        std::optional<Digest> recalled;
        size_t dir = 0; // a directory's index in `dirs`
    };
    struct Dir {
        std::string path; // as the messages name it
        int err = 0;      // of the listing
        std::vector<Entry> entries;
    };
    struct Top {
        int err = 0;
        struct stat st;
        std::optional<Digest> recalled;
        size_t dir = 0;
    };
    std::vector<Dir> dirs;
    std::vector<Top> tops; // in the order the specs' paths are hashed
};

void append_hex(std::string &out, const Digest &digest) {
    static constexpr char digits[] = "0123456789abcdef";
    char hex[2 * std::tuple_size_v<Digest>];
    for (size_t i = 0; i < digest.size(); ++i) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    out.append(hex, sizeof hex);
}

// Digests the inputs, stopping at the first one that cannot be hashed: from
// then on no key can be made, and the reason is all that is wanted.
class InputHasher {
  public:
    InputHasher(FileHasher &hasher, const Walk &walk) : hasher_(hasher), walk_(walk) {}

    const std::string &unhashable() const { return unhashable_; }

    // One declared path (following symlinks), as `top` saw it.
    InputDigest input(const std::string &path, const Walk::Top &top) {
        InputDigest input{normalize_path(path), InputKind::missing, ""};
        const struct stat &st = top.st;
        if (top.err) {
            bool dangling = top.err == ENOENT || top.err == ENOTDIR || top.err == ELOOP;
            struct stat link;
            if (dangling && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
                if (auto target = link_text(path)) {
                    input.kind = InputKind::symlink;
                    input.digest = sha256_hex(*target);
                }
            } else if (top.err != ENOENT && top.err != ENOTDIR) {
                cannot_read(path, top.err); // there may be something there: not missing
            }
            return input;
        }
        if (S_ISDIR(st.st_mode)) {
            input.kind = InputKind::directory;
            input.digest = directory(walk_.dirs[top.dir]);
        } else if (S_ISREG(st.st_mode)) {
            input.kind = is_executable(st) ? InputKind::executable : InputKind::file;
            input.digest = top.recalled ? to_hex(*top.recalled) : file(path, stamp_of(st));
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
    std::string directory(const Walk::Dir &dir) {
        if (dir.err)
            cannot_read(dir.path, dir.err);
        std::string listing;
        listing.reserve(dir.entries.size() * 96);
        for (const auto &entry : dir.entries) {
            if (!unhashable_.empty())
                return "";
            if (entry.err) {
                // Gone since it was listed: the check after the run sees that.
                if (entry.err != ENOENT)
                    cannot_read(dir.path + "/" + entry.name, entry.err);
                continue;
            }
            mode_t mode = entry.mode;
            if (S_ISREG(mode)) {
                listing += (mode & S_IXUSR) != 0 ? 'x' : 'f';
                listing += ' ';
                if (entry.recalled)
                    append_hex(listing, *entry.recalled);
                else
                    listing += file(dir.path + "/" + entry.name, entry.stamp);
            } else if (S_ISDIR(mode)) {
                listing += "d ";
                listing += directory(walk_.dirs[entry.dir]);
            } else if (S_ISLNK(mode)) {
                listing += "l ";
                listing += sha256_hex(link_text(dir.path + "/" + entry.name).value_or(""));
            } else {
                cannot_hash(dir.path + "/" + entry.name, mode);
                return "";
            }
            listing += ' ';
            append_record_str(listing, entry.name);
            listing += '\n';
        }
        return sha256_hex(listing);
    }

    std::string file(const std::string &path, const FileStamp &stamp) {
        std::string problem;
        auto digest = hasher_.try_digest(path, stamp, problem);
        if (!digest && unhashable_.empty())
            unhashable_ = problem;
        return digest.value_or("");
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

// Walks the directory at `path` (following a symlink only if it is
// declared, `top`), without following links inside it: its names are
// stat'ed relative to the open directory, and each regular file is looked up
// in the cache right after its stat. Those the cache does not know are left
// in `misses` for FileHasher::prefetch. Returns the directory's index.
size_t walk_directory(const std::string &path, bool top, FileHasher &hasher, Walk &walk,
                      std::vector<FileHasher::Found> &misses) {
    size_t index = walk.dirs.size();
    walk.dirs.push_back({path, 0, {}});
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW)));
    std::vector<std::string> names;
    int err = fd ? directory_entries_at(fd.get(), names) : errno;
    std::sort(names.begin(), names.end());
    std::vector<Walk::Entry> entries(names.size());
    FileHasher::Directory cached = hasher.directory(path);
    for (size_t i = 0; i < names.size(); ++i) {
        Walk::Entry &entry = entries[i];
        entry.name = std::move(names[i]);
        struct stat st;
        if (::fstatat(fd.get(), entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            entry.err = errno;
            continue;
        }
        entry.mode = st.st_mode;
        entry.stamp = stamp_of(st);
        if (S_ISREG(st.st_mode)) {
            entry.recalled = hasher.recall_in(cached, entry.name, entry.stamp);
            if (!entry.recalled)
                misses.push_back({path + "/" + entry.name, entry.stamp});
        }
    }
    fd = Fd(); // one open directory at a time, however deep the tree
    for (auto &entry : entries)
        if (!entry.err && S_ISDIR(entry.mode))
            entry.dir = walk_directory(path + "/" + entry.name, false, hasher, walk, misses);
    walk.dirs[index].err = err;
    walk.dirs[index].entries = std::move(entries);
    return index;
}

// One declared path, followed if a symlink.
void walk_top(const std::string &path, FileHasher &hasher, Walk &walk,
              std::vector<FileHasher::Found> &misses) {
    Walk::Top &top = walk.tops.emplace_back();
    if (::stat(path.c_str(), &top.st) != 0) {
        top.err = errno;
        return;
    }
    if (S_ISREG(top.st.st_mode)) {
        FileStamp stamp = stamp_of(top.st);
        top.recalled = hasher.recall(path, stamp);
        if (!top.recalled)
            misses.push_back({path, stamp});
    } else if (S_ISDIR(top.st.st_mode)) {
        size_t dir = walk_directory(path, true, hasher, walk, misses);
        walk.tops.back().dir = dir; // `top` may have moved
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
            walk_top(path, hasher, walk, misses);
    }
    hasher.prefetch(misses);
    InputHasher hashing(hasher, walk);
    DigestedInputs digested;
    auto &inputs = digested.inputs;
    size_t top = 0;
    for (size_t i = 0; i < specs.size() && hashing.unhashable().empty(); ++i) {
        const auto &[glob, paths, unreadable] = expanded[i];
        if (!unreadable.empty()) {
            digested.unhashable = unreadable;
            return digested;
        }
        for (const auto &path : paths)
            inputs.push_back(hashing.input(path, walk.tops[top++]));
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
