#include "store/entries.hpp"

#include "store/store_access.hpp"

#include "store/entry_file.hpp"
#include "store/path_set_list.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"
#include "util/test_hook.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche::store {

namespace {

constexpr size_t max_entry_size = size_t(1) << 30; // a bound, not a limit anyone meets

// The whole file, or nullopt with `error` set (ENOENT: there is none).
std::optional<std::string> slurp(const std::string &path, int &error) noexcept {
    Fd fd = open_store_file(path, O_RDONLY);
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        error = errno;
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > max_entry_size) {
        error = EINVAL;
        return std::nullopt;
    }
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error = n < 0 ? errno : EIO; // shrank while read
            return std::nullopt;
        }
        done += static_cast<size_t>(n);
    }
    return bytes;
}

// `first_path_lines`: the bytes of the entry's first path set, which are
// encode_path_lines of entry.path_sets.front() (entry_file.hpp).
std::string verified_key_problem(const Entry &entry, std::string_view first_path_lines,
                                 const std::string &key) {
    if (entry.key != key)
        return "it holds the entry of another key";
    // A traced run's entry is named by K2, which its first path set gives.
    std::string k1 = sha256_hex(entry.key_record);
    if ((entry.path_sets.empty() ? k1 : traced_entry_key_of_lines(k1, first_path_lines)) != key)
        return "its key record does not match its key";
    return "";
}

} // namespace

std::string EntryFiles::path_of(const std::string &key) const {
    return root_ + "/" + key.substr(0, 2) + "/" + key.substr(2);
}

EntryRead EntryFiles::read(const std::string &key) const noexcept {
    EntryRead result;
    std::string path = path_of(key);
    int error = 0;
    auto bytes = slurp(path, error);
    if (!bytes) {
        if (error != ENOENT && error != ENOTDIR)
            result.damage = errno_message("the entry file '" + path + "' cannot be read", error);
        return result;
    }
    std::string why;
    result.entry = decode_entry_of(*bytes, key, why);
    if (!result.entry)
        result.damage = "the entry file '" + path + "' is damaged (" + why + ")";
    return result;
}

std::optional<Entry> decode_entry_of(std::string_view bytes, const std::string &key,
                                     std::string &why) noexcept {
    std::string_view first_path_lines;
    auto entry = decode_entry(bytes, &why, &first_path_lines);
    if (entry)
        why = verified_key_problem(*entry, first_path_lines, key);
    if (!why.empty())
        return std::nullopt;
    return entry;
}

void EntryFiles::write(const Entry &entry) const {
    std::string bytes = encode_entry(entry);
    TempFile tmp(tmp_ + "/entry");
    share_new_file(tmp.fd());
    test_hook("entry-temp-created");
    if (!write_all(tmp.fd(), bytes))
        throw Error(errno_message("cannot write '" + tmp.path() + "'", errno));
    test_hook("entry-written");
    std::string target = path_of(entry.key);
    commit_store_file(tmp, target, "entry-rename");
    test_hook("entry-renamed");
}

bool EntryFiles::remove(const std::string &key) const noexcept {
    return ::unlink(path_of(key).c_str()) == 0;
}

void EntryFiles::for_each_key(const std::function<void(const std::string &key)> &visit) const {
    for (const auto &shard : directory_entries(root_)) {
        if (shard.size() != 2)
            continue;
        for (const auto &rest : directory_entries(root_ + "/" + shard))
            if (std::string key = shard + rest; is_hex_digest(key))
                visit(key);
    }
}

void EntryFiles::for_each(
    const std::function<void(const std::string &key, const EntryRead &)> &visit) const {
    for_each_key([&](const std::string &key) { visit(key, read(key)); });
}

} // namespace fleche::store
