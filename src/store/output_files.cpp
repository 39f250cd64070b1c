#include "store/output_files.hpp"

#include "key/input_digest.hpp"
#include "util/beneath.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/interruption.hpp"
#include "util/path_spec.hpp"
#include "util/test_hook.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <exception>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fleche::store {

namespace {

std::string link_target(const std::string &path) {
    std::vector<char> buffer(PATH_MAX + 1);
    ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (n < 0)
        throw Error(errno_message("cannot read link '" + path + "'", errno));
    return std::string(buffer.data(), static_cast<size_t>(n));
}

std::vector<std::string> sorted_children(const std::string &dir) {
    std::vector<std::string> names = directory_entries(dir);
    std::sort(names.begin(), names.end());
    return names;
}

std::string parent_of(const std::string &path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string leaf_of(const std::string &path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string working_directory() {
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd))
        throw Error(errno_message("cannot find the working directory", errno));
    return cwd;
}

bool is_within(const std::string &path, const std::string &dir) {
    return path == dir || path.starts_with(dir == "/" ? dir : dir + "/");
}

// The store's directory relative to the working directory, as the real
// paths spell it; empty when the store is not beneath it. Restore follows no
// symbolic link, so this is the one name by which it reaches the store.
std::string store_beneath(const BlobStore &blobs, const std::string &root) {
    char resolved[PATH_MAX];
    if (!::realpath(blobs.root().c_str(), resolved))
        return "";
    std::string real = resolved;
    if (real == root || !is_within(real, root))
        return "";
    return real.substr(root == "/" ? 1 : root.size() + 1);
}

// Why restore cannot reach the directory of `path`, for the one warning:
// the words of what the user sees (a symlink out of the tree), never of the
// syscall that refused it.
std::string refusal(const std::string &path, const std::string &root) {
    if (!is_beneath_path(path))
        return "output '" + path + "' leads outside the working directory";
    std::string dir = parent_of(path);
    char resolved[PATH_MAX];
    while (!::realpath(dir.c_str(), resolved) && dir != ".")
        dir = parent_of(dir);
    if (dir == "." || !is_within(resolved, root))
        return "output '" + path + "' leads outside the working directory";
    return "output '" + path + "' is reached through a symbolic link or a file";
}

void capture(const BlobStore &blobs, const std::string &path, const std::string &store_dir,
             std::vector<OutputRecord> &out) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0)
        throw Error(errno_message("cannot read output '" + path + "'", errno));
    OutputRecord record;
    record.path = path;
    if (S_ISLNK(st.st_mode)) {
        record.type = OutputType::symlink;
        record.target = link_target(path);
        out.push_back(std::move(record));
    } else if (S_ISDIR(st.st_mode)) {
        record.type = OutputType::directory;
        record.mode = st.st_mode & 0777;
        out.push_back(std::move(record));
        for (const auto &name : sorted_children(path))
            if (std::string child = path + "/" + name; child != store_dir)
                capture(blobs, child, store_dir, out); // the store holds no output of CMD's
    } else if (S_ISREG(st.st_mode)) {
        record.type = OutputType::file;
        record.executable = (st.st_mode & S_IXUSR) != 0;
        record.mode = st.st_mode & 0777;
        record.size = static_cast<uint64_t>(st.st_size);
        record.blob = store_file(blobs, path);
        out.push_back(std::move(record));
    } else {
        throw Error("output '" + path + "' is not a file, directory or symbolic link");
    }
}

mode_t current_umask() {
    mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

} // namespace

std::optional<std::vector<OutputRecord>> capture_outputs(const BlobStore &blobs,
                                                         const std::vector<std::string> &specs) {
    std::set<std::string> paths;
    for (const auto &spec : specs) {
        auto [glob, matches, unreadable] = expand_spec(spec);
        if (!unreadable.empty()) { // some of the outputs might be missed
            warn(unreadable + "; not storing");
            return std::nullopt;
        }
        if (struct stat st; !glob && ::lstat(spec.c_str(), &st) != 0)
            matches.clear();
        if (matches.empty()) {
            warn("output '" + spec + "' was not produced; not storing");
            return std::nullopt;
        }
        for (const auto &match : matches)
            paths.insert(key::normalize_path(match));
    }
    std::string root = working_directory();
    std::string store_dir = store_beneath(blobs, root);
    Fd here(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    for (const auto &path : paths) {
        // Nothing is stored that restore would refuse.
        if (!here || !is_beneath_path(path) || !open_beneath(here.get(), parent_of(path))) {
            warn(refusal(path, root) + "; not storing");
            return std::nullopt;
        }
        if (!store_dir.empty() && is_within(path, store_dir)) {
            warn("output '" + path + "' is in the store (FLECHE_DIR); not storing");
            return std::nullopt;
        }
    }
    std::vector<OutputRecord> records;
    for (const auto &path : paths) {
        // a path inside a directory already captured would be stored twice
        bool covered = std::any_of(records.begin(), records.end(), [&](const OutputRecord &r) {
            return r.type == OutputType::directory && path.starts_with(r.path + "/");
        });
        if (!covered)
            capture(blobs, path, store_dir, records);
    }
    return records;
}

namespace {

// What every step of one restore needs: where it is, what it must leave alone.
struct Restore {
    const BlobStore &blobs;
    std::string root;     // the working directory, as getcwd() spells it
    Fd here;              // the same, open: everything resolves beneath it
    struct stat store_st; // never removed nor replaced
    const struct stat *keep = nullptr;
    mode_t mask = 0; // for entries stored before modes were
    Interruption &interruption;
};

// The directory of one output, resolved beneath the working directory; one
// per thread, remembering the last one (siblings share it).
class Parent {
  public:
    // Throws Error when the directory is not reachable without leaving the
    // tree or following a symbolic link. `create`: make what is missing.
    int open(const Restore &restore, const std::string &path, bool create) {
        std::string dir = parent_of(path);
        if (!fd_ || dir != dir_) {
            fd_ = open_beneath(restore.here.get(), dir, create);
            if (!fd_)
                throw Error(refusal(path, restore.root) + "; not restored");
            dir_ = std::move(dir);
        }
        return fd_.get();
    }

  private:
    std::string dir_;
    Fd fd_;
};

// The outputs that an entry lists make a tree: each path beneath the
// working directory, at most once, and beneath no file or link of its own
// (rows "b" link and "b/f" file would write through the link). Checked
// before anything is written, so that a tampered entry is refused whole.
void check_manifest(const std::vector<OutputRecord> &outputs, const std::string &root,
                    const std::string &store_dir) {
    std::map<std::string_view, OutputType> types;
    for (const auto &record : outputs) {
        if (!is_beneath_path(record.path))
            throw Error(refusal(record.path, root) + "; not restored");
        if (!types.emplace(record.path, record.type).second)
            throw Error("output '" + record.path + "' is listed twice; not restored");
        if (!store_dir.empty() && is_within(record.path, store_dir))
            throw Error("output '" + record.path + "' is in the store (FLECHE_DIR); not restored");
    }
    for (const auto &record : outputs) {
        for (std::string dir = parent_of(record.path); dir != "."; dir = parent_of(dir)) {
            auto it = types.find(dir);
            if (it != types.end() && it->second != OutputType::directory)
                throw Error("output '" + record.path + "' is listed beneath '" + dir +
                            "', which is not a directory; not restored");
        }
    }
}

void remove_directory_at(const Restore &restore, int dir, const std::string &name) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
        remove_tree_at(dir, name, restore.keep);
}

// An unnamed file (O_TMPFILE) in the destination's directory, so that a
// kill, even SIGKILL, leaves no name behind; nullopt where the file system
// has no unnamed files.
std::optional<Fd> unnamed_file(int dir) {
    Fd fd(::openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (fd)
        return fd;
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL || errno == ENOENT)
        return std::nullopt;
    throw Error(errno_message("cannot create a temporary file", errno));
}

// Gives the unnamed file `fd` the name `name` in `dir`. A free name is taken
// in one link; an existing file is replaced atomically by a link under a
// temporary name and a rename over it (the one moment a kill leaves a name).
// linkat through /proc needs no privilege, AT_EMPTY_PATH needs
// CAP_DAC_READ_SEARCH: the latter is the fallback without /proc.
bool link_unnamed(int fd, int dir, const std::string &name, bool exists) {
    auto link = [&](const std::string &to) {
        std::string proc = "/proc/self/fd/" + std::to_string(fd);
        if (::linkat(AT_FDCWD, proc.c_str(), dir, to.c_str(), AT_SYMLINK_FOLLOW) == 0)
            return true;
        return errno == ENOENT && ::linkat(fd, "", dir, to.c_str(), AT_EMPTY_PATH) == 0;
    };
    if (!exists && link(name))
        return true;
    if (!exists && errno != EEXIST)
        return false;
    std::string tmp = ".fleche-restore." + std::to_string(::getpid()) + "." + std::to_string(fd);
    if (!link(tmp) && (errno != EEXIST || ::unlinkat(dir, tmp.c_str(), 0) != 0 || !link(tmp)))
        return false; // a name left by a killed process of the same pid is taken back
    if (::renameat(dir, tmp.c_str(), dir, name.c_str()) == 0)
        return true;
    int error = errno;
    ::unlinkat(dir, tmp.c_str(), 0);
    errno = error;
    return false;
}

// What is at `name` in `dir`: a directory is removed (the output replaces
// it); true when something else is left for the new file to replace.
bool clear_for_file(const Restore &restore, int dir, const std::string &name) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return false;
    if (!S_ISDIR(st.st_mode))
        return true;
    remove_tree_at(dir, name, restore.keep);
    test_hook("restore-dir-cleared");
    return ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// Written beside its destination, hashed as it is written, put in place only
// when the digest matches: one pass over the data. Unnamed until then where
// the file system allows (a kill leaves nothing), else a named temporary
// file that an interruption removes.
void restore_file(const Restore &restore, Parent &parent, const OutputRecord &record) {
    int dir = parent.open(restore, record.path, false);
    std::string name = leaf_of(record.path);
    std::optional<Fd> unnamed = unnamed_file(dir);
    std::optional<TempFile> named;
    if (!unnamed)
        named.emplace(dir, ".fleche-restore");
    int fd = unnamed ? unnamed->get() : named->fd();
    std::string digest = restore.blobs.read_unverified(record.blob, [&](const char *p, size_t n) {
        restore.interruption.check();
        if (!write_all(fd, p, n))
            throw Error(errno_message("cannot write '" + record.path + "'", errno));
    });
    if (digest != record.blob)
        throw BlobCorrupt("blob '" + restore.blobs.path_of(record.blob) +
                          "' does not match its digest");
    ::fchmod(fd, record.mode ? *record.mode : (record.executable ? 0777 : 0666) & ~restore.mask);
    test_hook("restore-written");
    restore.interruption.check();
    bool exists = clear_for_file(restore, dir, name);
    if (named) {
        named->commit(name);
        return;
    }
    if (!link_unnamed(fd, dir, name, exists))
        throw Error(errno_message("cannot restore '" + record.path + "'", errno));
    test_hook("restore-linked");
}

// Made at its name when the name is free, so that a kill leaves no
// temporary link; else made beside it and renamed over what is there.
void restore_symlink(const Restore &restore, Parent &parent, const OutputRecord &record) {
    int dir = parent.open(restore, record.path, false);
    std::string name = leaf_of(record.path);
    remove_directory_at(restore, dir, name);
    if (::symlinkat(record.target.c_str(), dir, name.c_str()) == 0) {
        test_hook("restore-symlinked");
        return;
    }
    if (errno != EEXIST)
        throw Error(errno_message("cannot restore link '" + record.path + "'", errno));
    std::string tmp = ".fleche-link." + std::to_string(::getpid());
    ::unlinkat(dir, tmp.c_str(), 0);
    if (::symlinkat(record.target.c_str(), dir, tmp.c_str()) != 0)
        throw Error(errno_message("cannot restore link '" + record.path + "'", errno));
    if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) {
        int err = errno;
        ::unlinkat(dir, tmp.c_str(), 0);
        throw Error(errno_message("cannot restore link '" + record.path + "'", err));
    }
    test_hook("restore-symlinked");
}

void restore_directory(const Restore &restore, Parent &parent, const OutputRecord &record,
                       bool top) {
    int dir = parent.open(restore, record.path, top);
    std::string name = leaf_of(record.path);
    struct stat st;
    bool exists = ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && (top || !S_ISDIR(st.st_mode))) {
        // A declared directory is replaced whole, so that no file that the
        // stored run did not produce survives in it (but the store does).
        remove_tree_at(dir, name, restore.keep);
        test_hook("restore-tree-removed");
        exists = ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    }
    // Private until its mode is set, once what it holds is written (a 0555
    // directory cannot be written into).
    if (!exists && ::mkdirat(dir, name.c_str(), record.mode ? 0700 : 0777) != 0)
        throw Error(errno_message("cannot restore directory '" + record.path + "'", errno));
    if (!exists)
        test_hook("restore-dir-made");
}

// Deepest first: a parent without search permission would keep us from
// reaching its children. Each is opened as it was made, never through a link.
void set_directory_modes(const Restore &restore,
                         const std::vector<const OutputRecord *> &directories) {
    Parent parent;
    for (auto it = directories.rbegin(); it != directories.rend(); ++it) {
        const OutputRecord &record = **it;
        if (!record.mode)
            continue;
        int dir = parent.open(restore, record.path, false);
        Fd fd(::openat(dir, leaf_of(record.path).c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd || ::fchmod(fd.get(), *record.mode) != 0)
            throw Error(errno_message("cannot restore the mode of '" + record.path + "'", errno));
        test_hook("restore-mode-set");
    }
}

// Above this many bytes, files are restored on one thread per core: reading
// a blob back is bound by SHA-256, which runs on one core per file.
constexpr uint64_t parallel_threshold = 8 << 20;

void restore_files(const Restore &restore, const std::vector<const OutputRecord *> &files) {
    uint64_t bytes = 0;
    for (const auto *file : files)
        bytes += file->size;
    size_t threads = std::min<size_t>(std::thread::hardware_concurrency(), files.size());
    if (threads < 2 || bytes < parallel_threshold) {
        Parent parent;
        for (const auto *file : files)
            restore_file(restore, parent, *file);
        return;
    }
    std::atomic<size_t> next{0};
    std::mutex failure_mutex;
    std::exception_ptr failure;
    auto work = [&] {
        Parent parent;
        for (size_t i; (i = next++) < files.size();) {
            try {
                restore_file(restore, parent, *files[i]);
            } catch (...) {
                std::lock_guard lock(failure_mutex);
                if (!failure)
                    failure = std::current_exception();
                next = files.size(); // the others finish the file they are at
            }
        }
    };
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t)
        pool.emplace_back(work);
    for (auto &thread : pool)
        thread.join();
    if (failure)
        std::rethrow_exception(failure);
}

} // namespace

void restore_outputs(const BlobStore &blobs, const std::vector<OutputRecord> &outputs) {
    if (outputs.empty())
        return;
    // Only entries stored before modes were need the umask (two syscalls).
    bool modeless = std::any_of(outputs.begin(), outputs.end(), [](const OutputRecord &r) {
        return r.type == OutputType::file && !r.mode;
    });
    // Declared first, so that it acts on a signal only once every temporary
    // file below is gone.
    Interruption interruption;
    Restore restore{.blobs = blobs,
                    .root = working_directory(),
                    .here = Fd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)),
                    .store_st = {},
                    .mask = modeless ? current_umask() : 0,
                    .interruption = interruption};
    if (!restore.here)
        throw Error(errno_message("cannot open the working directory", errno));
    if (::stat(blobs.root().c_str(), &restore.store_st) == 0)
        restore.keep = &restore.store_st;
    check_manifest(outputs, restore.root, store_beneath(blobs, restore.root));
    std::set<std::string> directories;
    std::vector<const OutputRecord *> restored_directories;
    std::vector<const OutputRecord *> files; // after every directory exists
    Parent parent;
    for (const auto &record : outputs) {
        bool top = directories.count(parent_of(record.path)) == 0;
        switch (record.type) {
        case OutputType::directory:
            restore_directory(restore, parent, record, top);
            directories.insert(record.path);
            restored_directories.push_back(&record);
            break;
        case OutputType::file:
            if (top)
                parent.open(restore, record.path, true); // made before the threads start
            files.push_back(&record);
            break;
        case OutputType::symlink:
            if (top)
                parent.open(restore, record.path, true);
            restore_symlink(restore, parent, record);
            break;
        }
        interruption.check();
    }
    restore_files(restore, files);
    set_directory_modes(restore, restored_directories);
}

} // namespace fleche::store
