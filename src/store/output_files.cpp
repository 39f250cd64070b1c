#include "store/output_files.hpp"

#include "key/input_digest.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/path_spec.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <exception>
#include <fcntl.h>
#include <mutex>
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

void capture(const BlobStore &blobs, const std::string &path, std::vector<OutputRecord> &out) {
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
            capture(blobs, path + "/" + name, out);
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

std::string parent_of(const std::string &path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string working_directory() {
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd))
        throw Error(errno_message("cannot find the working directory", errno));
    return cwd;
}

// Whether the directory of `path`, as far as it exists, is the working
// directory `root` (as getcwd() spells it) or below it: a symlinked directory
// on the way must not let a restore write, or create directories, outside it.
// Capture asks the same, so that nothing is stored that restore would refuse.
bool leads_outside(const std::string &path, const std::string &root) {
    std::string dir = parent_of(path);
    char resolved[PATH_MAX];
    while (!::realpath(dir.c_str(), resolved)) {
        if (errno != ENOENT || dir == ".")
            throw Error(
                errno_message("cannot resolve the directory of output '" + path + "'", errno));
        dir = parent_of(dir); // created by restore: inside if its parent is
    }
    std::string real = resolved;
    return real != root && !real.starts_with(root == "/" ? root : root + "/");
}

std::string outside_message(const std::string &path) {
    return "output '" + path + "' leads outside the working directory";
}

// A directory where a file or link is restored goes first: rename cannot replace it.
void remove_directory_at(const std::string &path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        remove_tree(path);
}

void restore_file(const BlobStore &blobs, const OutputRecord &record, mode_t mask) {
    TempFile tmp(parent_of(record.path) + "/.fleche-restore");
    if (blobs.read_unverified(record.blob, tmp.fd()) != record.blob)
        throw BlobCorrupt("blob '" + blobs.path_of(record.blob) + "' does not match its digest");
    ::fchmod(tmp.fd(), record.mode ? *record.mode : (record.executable ? 0777 : 0666) & ~mask);
    remove_directory_at(record.path);
    tmp.commit(record.path);
}

void restore_symlink(const OutputRecord &record) {
    std::string tmp = parent_of(record.path) + "/.fleche-link." + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    if (::symlink(record.target.c_str(), tmp.c_str()) != 0)
        throw Error(errno_message("cannot restore link '" + record.path + "'", errno));
    remove_directory_at(record.path);
    if (::rename(tmp.c_str(), record.path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error(errno_message("cannot restore link '" + record.path + "'", err));
    }
}

void restore_directory(const OutputRecord &record, bool top) {
    struct stat st;
    bool exists = ::lstat(record.path.c_str(), &st) == 0;
    if (exists && (top || !S_ISDIR(st.st_mode))) {
        // A declared directory is replaced whole, so that no file that the
        // stored run did not produce survives in it.
        remove_tree(record.path);
        exists = false;
    }
    // Private until its mode is set, once what it holds is written (a 0555
    // directory cannot be written into).
    if (!exists && ::mkdir(record.path.c_str(), record.mode ? 0700 : 0777) != 0)
        throw Error(errno_message("cannot restore directory '" + record.path + "'", errno));
}

// Deepest first: a parent without search permission would keep us from
// reaching its children.
void set_directory_modes(const std::vector<const OutputRecord *> &directories) {
    for (auto it = directories.rbegin(); it != directories.rend(); ++it)
        if ((*it)->mode && ::chmod((*it)->path.c_str(), *(*it)->mode) != 0)
            throw Error(errno_message("cannot restore the mode of '" + (*it)->path + "'", errno));
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
    for (const auto &path : paths) {
        if (leads_outside(path, root)) {
            warn(outside_message(path) + "; not storing");
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
            capture(blobs, path, records);
    }
    return records;
}

namespace {

// Above this many bytes, files are restored on one thread per core: reading
// a blob back is bound by SHA-256, which runs on one core per file.
constexpr uint64_t parallel_threshold = 8 << 20;

void restore_files(const BlobStore &blobs, const std::vector<const OutputRecord *> &files,
                   mode_t mask) {
    uint64_t bytes = 0;
    for (const auto *file : files)
        bytes += file->size;
    size_t threads = std::min<size_t>(std::thread::hardware_concurrency(), files.size());
    if (threads < 2 || bytes < parallel_threshold) {
        for (const auto *file : files)
            restore_file(blobs, *file, mask);
        return;
    }
    std::atomic<size_t> next{0};
    std::mutex failure_mutex;
    std::exception_ptr failure;
    auto work = [&] {
        for (size_t i; (i = next++) < files.size();) {
            try {
                restore_file(blobs, *files[i], mask);
            } catch (...) {
                std::lock_guard lock(failure_mutex);
                if (!failure)
                    failure = std::current_exception();
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
    // Only entries stored before modes were need the umask (two syscalls).
    bool modeless = std::any_of(outputs.begin(), outputs.end(), [](const OutputRecord &r) {
        return r.type == OutputType::file && !r.mode;
    });
    mode_t mask = modeless ? current_umask() : 0;
    std::string root = working_directory();
    std::set<std::string> directories;
    std::vector<const OutputRecord *> restored_directories;
    std::vector<const OutputRecord *> files; // after every directory exists
    for (const auto &record : outputs) {
        std::string parent = parent_of(record.path);
        bool top = directories.count(parent) == 0;
        if (top) {
            if (leads_outside(record.path, root))
                throw Error(outside_message(record.path) + "; not restored");
            make_directories(parent);
        }
        switch (record.type) {
        case OutputType::directory:
            restore_directory(record, top);
            directories.insert(record.path);
            restored_directories.push_back(&record);
            break;
        case OutputType::file:
            files.push_back(&record);
            break;
        case OutputType::symlink:
            restore_symlink(record);
            break;
        }
    }
    restore_files(blobs, files, mask);
    set_directory_modes(restored_directories);
}

} // namespace fleche::store
