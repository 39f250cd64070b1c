#include "key/path_set.hpp"

#include "key/key_record.hpp"
#include "util/beneath.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <string_view>
#include <sys/stat.h>
#include <utility>
#include <vector>

namespace fleche::key {

namespace {

using Kind = store::PathState::Kind;

std::atomic<uint64_t> stat_count{0};

// stat(2), following symbolic links as the traced opens did; 0 or errno.
int stat_path(const std::string &path, struct stat &st) {
    stat_count.fetch_add(1, std::memory_order_relaxed);
    return ::stat(path.c_str(), &st) == 0 ? 0 : errno;
}

bool stat_fd(int fd, struct stat &st) {
    stat_count.fetch_add(1, std::memory_order_relaxed);
    return ::fstat(fd, &st) == 0;
}

// What a traced lookup of a path that does not exist got.
bool is_absent(int err) {
    return err == ENOENT || err == ENOTDIR;
}

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> parts;
    for (size_t start = 0; start < path.size();) {
        size_t end = std::min(path.find('/', start), path.size());
        if (end > start)
            parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

// `path` from `dir` (neither beneath the other): "../include/a.h".
std::string relative_to(std::string_view path, std::string_view dir) {
    auto to = components(path), from = components(dir);
    size_t common = 0;
    while (common < to.size() && common < from.size() && to[common] == from[common])
        ++common;
    std::vector<std::string_view> parts(from.size() - common, "..");
    parts.insert(parts.end(), to.begin() + static_cast<ptrdiff_t>(common), to.end());
    std::string out;
    for (auto part : parts) {
        if (!out.empty())
            out += '/';
        out += part;
    }
    return out;
}

std::string dir_of(const std::string &path) {
    size_t slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string_view name_of(const std::string &path) {
    return std::string_view(path).substr(path.rfind('/') + 1);
}

// Whether `hex` (lower case) spells `digest`; nothing allocated, for the
// hit path.
bool spells(const Digest &digest, std::string_view hex) {
    static constexpr char digits[] = "0123456789abcdef";
    if (hex.size() != 2 * digest.size())
        return false;
    for (size_t i = 0; i < digest.size(); ++i)
        if (hex[2 * i] != digits[digest[i] >> 4] || hex[2 * i + 1] != digits[digest[i] & 15])
            return false;
    return true;
}

// The names missing from one directory: a fact about its stamp, found in the
// cache under the directory and the names (sorted, each as a record STR so
// that no two sets of names spell the same). What it holds says only "all
// of them missing": the key is the fact.
struct MissingNames {
    std::vector<std::string_view> names;
    std::string fact;

    static const std::string &all_missing() {
        static const std::string digest = sha256_hex("fleche: every name missing");
        return digest;
    }

    void seal(const std::string &parent) {
        std::sort(names.begin(), names.end());
        fact = "missing:" + parent + ":";
        for (auto name : names)
            append_record_str(fact, name);
    }
};

// Fewer names gain nothing from their directory's stat.
constexpr size_t min_grouped = 2;

std::string listing_fact(const std::string &path) {
    return "listing:" + path;
}

// The letter of a listed name's type. File modes are left out: a chmod does
// not change the directory's stamp, which answers for its listing.
char type_letter(int dir, const dirent &entry) {
    unsigned char type = entry.d_type;
    if (type == DT_UNKNOWN) { // some file systems do not say
        struct stat st;
        stat_count.fetch_add(1, std::memory_order_relaxed);
        if (::fstatat(dir, entry.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return 0; // gone since: the stamp check sees that
        type = S_ISREG(st.st_mode)   ? DT_REG
               : S_ISDIR(st.st_mode) ? DT_DIR
               : S_ISLNK(st.st_mode) ? DT_LNK
                                     : DT_FIFO;
    }
    switch (type) {
    case DT_REG:
        return 'f';
    case DT_DIR:
        return 'd';
    case DT_LNK:
        return 'l';
    default:
        return 'o';
    }
}

struct Listing {
    std::string digest;
    FileStamp stamp; // the directory's, the same before and after reading it
};

struct DirCloser {
    void operator()(DIR *dir) const { ::closedir(dir); }
};

std::optional<Listing> read_listing(const std::string &path, std::string &problem) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat before;
    if (!fd || !stat_fd(fd.get(), before)) {
        problem = errno_message("cannot list '" + path + "'", errno);
        return std::nullopt;
    }
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fd.get()));
    if (!dir) {
        problem = errno_message("cannot list '" + path + "'", errno);
        return std::nullopt;
    }
    fd.release();
    std::vector<std::pair<std::string, char>> names;
    for (;;) {
        errno = 0;
        dirent *entry = ::readdir(dir.get());
        if (!entry)
            break;
        std::string_view name = entry->d_name;
        if (name == "." || name == "..")
            continue;
        if (char type = type_letter(::dirfd(dir.get()), *entry))
            names.emplace_back(name, type);
    }
    if (errno != 0) {
        problem = errno_message("cannot list '" + path + "'", errno);
        return std::nullopt;
    }
    struct stat after;
    if (!stat_fd(::dirfd(dir.get()), after) || stamp_of(after) != stamp_of(before)) {
        problem = "'" + path + "' changed while it was listed";
        return std::nullopt;
    }
    std::sort(names.begin(), names.end());
    std::string text;
    for (const auto &[name, type] : names) {
        text += type;
        text += ' ';
        append_record_str(text, name);
        text += '\n';
    }
    return Listing{sha256_hex(text), stamp_of(before)};
}

const char *odd_type(mode_t mode) {
    return special_file_name(mode, "neither a regular file nor a directory");
}

// Builds a path set after the run; the first refusal stops it.
class Recorder {
  public:
    Recorder(int64_t started_ns, FileHasher &hasher) : started_ns_(started_ns), hasher_(hasher) {}

    struct Input {
        std::string keyed, path;
        bool listed = false;
    };

    BuiltPathSet build(std::vector<Input> inputs) {
        BuiltPathSet built;
        for (const auto &input : inputs)
            if (input.path != "/")
                ++parents_[dir_of(input.path)].inputs;
        for (auto &[path, parent] : parents_)
            if (parent.inputs >= min_grouped)
                probe(path, parent);
        for (const auto &input : inputs) {
            auto state = state_of(input);
            if (!refusal_.empty()) {
                built.refusal = refusal_;
                return built;
            }
            built.set.paths.push_back(std::move(*state));
        }
        remember_missing(inputs, built.set);
        return built;
    }

  private:
    struct Parent {
        size_t inputs = 0;
        bool absent = false; // so every input in it is missing, unstat'ed
        std::optional<FileStamp> stamp;
    };

    void probe(const std::string &path, Parent &parent) {
        struct stat st;
        int err = stat_path(path, st);
        if (is_absent(err) || (err == 0 && !S_ISDIR(st.st_mode)))
            parent.absent = true;
        else if (err == 0)
            parent.stamp = stamp_of(st);
    }

    std::optional<store::PathState> state_of(const Input &input) {
        if (input.path != "/" && parents_[dir_of(input.path)].absent)
            return store::PathState{input.keyed, Kind::missing, ""};
        struct stat st;
        int err = stat_path(input.path, st);
        if (is_absent(err))
            return store::PathState{input.keyed, Kind::missing, ""};
        if (err != 0)
            return refuse(errno_message("cannot stat input '" + input.path + "'", err));
        if (S_ISDIR(st.st_mode) && !input.listed)
            return store::PathState{input.keyed, Kind::directory, ""};
        if (changed_in_run(st))
            return refuse("input " + input.keyed + " changed while CMD ran");
        if (S_ISDIR(st.st_mode))
            return listing_of(input, st);
        if (S_ISREG(st.st_mode))
            return content_of(input, st);
        return refuse("input " + input.keyed + " is " + odd_type(st.st_mode));
    }

    bool changed_in_run(const struct stat &st) const {
        FileStamp stamp = stamp_of(st);
        return stamp.mtime_ns >= started_ns_ || stamp.ctime_ns >= started_ns_;
    }

    std::optional<store::PathState> content_of(const Input &input, const struct stat &st) {
        FileStamp stamp = stamp_of(st);
        if (auto known = hasher_.recall(input.path, stamp))
            return store::PathState{input.keyed, Kind::content, to_hex(*known)};
        std::string problem;
        auto digest = hasher_.try_digest(input.path, stamp, problem);
        if (!digest)
            return refuse(problem);
        // Read after the stat: what was read must be what the stat stands for.
        struct stat after;
        if (stat_path(input.path, after) != 0 || stamp_of(after) != stamp)
            return refuse("input " + input.keyed + " changed while CMD ran");
        return store::PathState{input.keyed, Kind::content, *digest};
    }

    std::optional<store::PathState> listing_of(const Input &input, const struct stat &st) {
        std::string problem;
        auto listing = read_listing(input.path, problem);
        if (!listing)
            return refuse(problem);
        if (listing->stamp != stamp_of(st))
            return refuse("input " + input.keyed + " changed while CMD ran");
        hasher_.remember_fact(listing_fact(input.path), listing->stamp, listing->digest);
        return store::PathState{input.keyed, Kind::listing, listing->digest};
    }

    std::optional<store::PathState> refuse(std::string why) {
        refusal_ = std::move(why);
        return std::nullopt;
    }

    // What a lookup asks of each directory's missing names, if it was
    // unchanged while they were stat'ed.
    void remember_missing(const std::vector<Input> &inputs, const store::PathSet &set) {
        std::map<std::string, MissingNames> groups;
        for (size_t i = 0; i < inputs.size(); ++i)
            if (set.paths[i].kind == Kind::missing && inputs[i].path != "/")
                groups[dir_of(inputs[i].path)].names.push_back(name_of(inputs[i].path));
        for (auto &[path, group] : groups) {
            const Parent &parent = parents_[path];
            if (group.names.size() < min_grouped || !parent.stamp)
                continue;
            struct stat st;
            if (stat_path(path, st) != 0 || stamp_of(st) != *parent.stamp)
                continue;
            group.seal(path);
            hasher_.remember_fact(group.fact, *parent.stamp, MissingNames::all_missing());
        }
    }

    int64_t started_ns_;
    FileHasher &hasher_;
    std::map<std::string, Parent> parents_;
    std::string refusal_;
};

// Matches a path set against the file system, in its order.
class Matcher {
  public:
    Matcher(const store::PathSet &set, const PathKeying &keying, FileHasher &hasher)
        : set_(set), cwd_(keying.cwd), hasher_(hasher) {
        paths_.reserve(set.paths.size());
        for (const auto &state : set.paths)
            paths_.push_back(lookup_path(state.path, keying));
        for (size_t i = 0; i < paths_.size(); ++i)
            if (set.paths[i].kind == Kind::missing && paths_[i] != "/")
                groups_[dir_of(paths_[i])].names.push_back(name_of(paths_[i]));
        std::erase_if(groups_,
                      [](const auto &group) { return group.second.names.size() < min_grouped; });
        for (auto &[dir, group] : groups_)
            group.seal(dir);
    }

    // The project's own paths (keyed relative) first: they are what changes
    // from one path set to the next (an edited header, one that appeared),
    // so a set that does not match is mostly given up after a few stats,
    // not after the hundred system files that sort before them.
    std::optional<std::string> first_difference() {
        for (bool absolute : {false, true})
            for (size_t i = 0; i < paths_.size(); ++i)
                if (set_.paths[i].path.starts_with('/') == absolute)
                    if (auto difference = differs(set_.paths[i], paths_[i]))
                        return difference;
        return std::nullopt;
    }

  private:
    struct Group : MissingNames {
        enum class State { unknown, all_missing, one_by_one } state = State::unknown;
        std::optional<FileStamp> stamp; // the directory's, when it exists
        size_t confirmed = 0;
    };

    std::optional<std::string> differs(const store::PathState &state, const std::string &path) {
        if (state.kind == Kind::missing)
            return missing_differs(state, path);
        if (state.kind == Kind::cwd) {
            if (state.path == cwd_)
                return std::nullopt;
            return "the working directory: an output of the run names " + state.path;
        }
        struct stat st;
        int err = stat_path(path, st);
        if (is_absent(err))
            return "input " + state.path + ": disappeared";
        if (err != 0)
            return "input " + state.path + ": " + errno_message("cannot stat '" + path + "'", err);
        if (state.kind == Kind::content)
            return content_differs(state, path, st);
        if (!S_ISDIR(st.st_mode))
            return "input " + state.path + ": is no longer a directory";
        if (state.kind == Kind::listing)
            return listing_differs(state, path, st);
        return std::nullopt;
    }

    std::optional<std::string> content_differs(const store::PathState &state,
                                               const std::string &path, const struct stat &st) {
        if (S_ISDIR(st.st_mode))
            return "input " + state.path + ": is now a directory";
        if (!S_ISREG(st.st_mode))
            return "input " + state.path + ": is no longer a regular file";
        if (auto known = hasher_.recall(path, stamp_of(st))) {
            if (spells(*known, state.digest))
                return std::nullopt;
            return "input " + state.path + ": content changed";
        }
        std::string problem;
        auto digest = hasher_.try_digest(path, st, problem);
        if (!digest)
            return "input " + state.path + ": " + problem;
        if (*digest != state.digest)
            return "input " + state.path + ": content changed";
        return std::nullopt;
    }

    std::optional<std::string> listing_differs(const store::PathState &state,
                                               const std::string &path, const struct stat &st) {
        std::string fact = listing_fact(path);
        bool same;
        if (auto known = hasher_.recall_fact(fact, stamp_of(st))) {
            same = spells(*known, state.digest);
        } else {
            std::string problem;
            auto listing = read_listing(path, problem);
            if (!listing)
                return "input " + state.path + ": " + problem;
            hasher_.remember_fact(fact, listing->stamp, listing->digest);
            same = listing->digest == state.digest;
        }
        if (!same)
            return "directory " + state.path + ": listing changed";
        return std::nullopt;
    }

    std::optional<std::string> missing_differs(const store::PathState &state,
                                               const std::string &path) {
        Group *group = nullptr;
        if (path != "/")
            if (auto it = groups_.find(dir_of(path)); it != groups_.end())
                group = &it->second;
        if (group && group->state == Group::State::unknown)
            open_group(*group, dir_of(path));
        if (group && group->state == Group::State::all_missing)
            return std::nullopt;
        struct stat st;
        int err = stat_path(path, st);
        if (err == 0)
            return "input " + state.path + ": appeared";
        if (!is_absent(err))
            return "input " + state.path + ": " + errno_message("cannot stat '" + path + "'", err);
        if (group && ++group->confirmed == group->names.size())
            remember(*group, dir_of(path));
        return std::nullopt;
    }

    // One stat of the directory, which answers for all its names when they
    // cannot exist in it or its stamp is one they were all missing at.
    void open_group(Group &group, const std::string &dir) {
        struct stat st;
        int err = stat_path(dir, st);
        group.state = Group::State::one_by_one;
        if (is_absent(err) || (err == 0 && !S_ISDIR(st.st_mode))) {
            group.state = Group::State::all_missing;
        } else if (err == 0) {
            group.stamp = stamp_of(st);
            auto known = hasher_.recall_fact(group.fact, *group.stamp);
            if (known && spells(*known, MissingNames::all_missing()))
                group.state = Group::State::all_missing;
        }
    }

    void remember(const Group &group, const std::string &dir) {
        struct stat st;
        if (group.stamp && stat_path(dir, st) == 0 && stamp_of(st) == *group.stamp)
            hasher_.remember_fact(group.fact, *group.stamp, MissingNames::all_missing());
    }

    const store::PathSet &set_;
    std::string cwd_;
    FileHasher &hasher_;
    std::vector<std::string> paths_;
    std::map<std::string, Group> groups_;
};

} // namespace

std::string keyed_path(const std::string &path, const PathKeying &keying) {
    const std::string &cwd = keying.cwd;
    if (path_within(path, cwd)) {
        if (path.size() == cwd.size())
            return ".";
        return path.substr(cwd == "/" ? 1 : cwd.size() + 1);
    }
    if (keying.base_dir && path_within(path, *keying.base_dir) &&
        path_within(cwd, *keying.base_dir))
        return relative_to(path, cwd);
    return path;
}

std::string lookup_path(const std::string &keyed, const PathKeying &keying) {
    if (keyed.starts_with('/'))
        return keyed;
    if (keyed == ".")
        return keying.cwd;
    std::string_view cwd = keying.cwd;
    if (cwd == "/")
        cwd = "";
    if (is_beneath_path(keyed))
        return std::string(cwd) + "/" + keyed;
    // Lexically, as keyed_path() made it: no symbolic link is resolved.
    auto parts = components(cwd);
    for (auto part : components(keyed)) {
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (part != ".") {
            parts.push_back(part);
        }
    }
    std::string out;
    for (auto part : parts) {
        out += '/';
        out += part;
    }
    return out.empty() ? "/" : out;
}

BuiltPathSet build_path_set(const TracedPaths &traced, const PathKeying &keying, int64_t started_ns,
                            FileHasher &hasher) {
    try {
        std::vector<Recorder::Input> inputs;
        for (const auto &input : traced.inputs)
            inputs.push_back({keyed_path(input.path, keying), input.path, input.listed});
        std::sort(inputs.begin(), inputs.end(),
                  [](const auto &a, const auto &b) { return a.keyed < b.keyed; });
        // Two names of one path: one state, listed if either was.
        std::vector<Recorder::Input> unique;
        for (auto &input : inputs)
            if (!unique.empty() && unique.back().keyed == input.keyed)
                unique.back().listed |= input.listed;
            else
                unique.push_back(std::move(input));
        return Recorder(started_ns, hasher).build(std::move(unique));
    } catch (const std::exception &e) {
        return {{}, std::string("cannot record the traced inputs: ") + e.what()};
    }
}

std::optional<std::string> first_difference(const store::PathSet &set, const PathKeying &keying,
                                            FileHasher &hasher) {
    try {
        return Matcher(set, keying, hasher).first_difference();
    } catch (const std::exception &e) {
        return std::string("cannot match the traced inputs: ") + e.what();
    }
}

uint64_t path_set_stat_count() {
    return stat_count.load(std::memory_order_relaxed);
}

} // namespace fleche::key
