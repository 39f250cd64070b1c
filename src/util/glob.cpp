#include "util/glob.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <algorithm>
#include <cerrno>
#include <fnmatch.h>
#include <sys/stat.h>

namespace fleche {

namespace {

std::vector<std::string> split_components(const std::string &pattern) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= pattern.size()) {
        size_t slash = pattern.find('/', start);
        if (slash == std::string::npos)
            slash = pattern.size();
        if (slash > start)
            parts.push_back(pattern.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

std::string join(const std::string &base, const std::string &name) {
    if (base.empty())
        return name;
    if (base.back() == '/')
        return base + name;
    return base + "/" + name;
}

bool is_dir(const std::string &path, bool follow) {
    struct stat st;
    const char *p = path.empty() ? "." : path.c_str();
    int rc = follow ? ::stat(p, &st) : ::lstat(p, &st);
    return rc == 0 && S_ISDIR(st.st_mode);
}

// A component without wildcards is looked up, not matched; its backslashes
// quote as they would in fnmatch(3).
std::string unescaped(const std::string &part) {
    std::string name;
    for (size_t i = 0; i < part.size(); ++i)
        if (part[i] != '\\' || ++i < part.size())
            name += part[i];
    return name;
}

bool exists(const std::string &path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

class Walker {
  public:
    explicit Walker(std::vector<std::string> parts) : parts_(std::move(parts)) {}

    void walk(const std::string &base, size_t index) {
        if (index == parts_.size()) {
            if (!base.empty() && exists(base))
                matches_.push_back(base);
            return;
        }
        const std::string &part = parts_[index];
        if (part == "**" && index + 1 == parts_.size()) {
            add_files_below(base);
        } else if (part == "**") {
            walk(base, index + 1); // ** matches no directory at all
            for (const auto &name : list(base)) {
                std::string path = join(base, name);
                if (name[0] != '.' && is_dir(path, false))
                    walk(path, index);
            }
        } else if (!has_glob_chars(part)) {
            std::string path = join(base, unescaped(part));
            if (index + 1 == parts_.size() || is_dir(path, true))
                walk(path, index + 1);
        } else {
            for (const auto &name : list(base))
                if (::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0)
                    walk(join(base, name), index + 1);
        }
    }

    // A trailing ** stands for every file below, as in bash's globstar, but
    // not the directories themselves: they would be hashed twice as inputs.
    void add_files_below(const std::string &base) {
        for (const auto &name : list(base)) {
            if (name[0] == '.')
                continue;
            std::string path = join(base, name);
            if (is_dir(path, false))
                add_files_below(path);
            else
                matches_.push_back(path);
        }
    }

    // A directory that exists but cannot be listed would hide its matches.
    std::vector<std::string> list(const std::string &base) {
        std::string dir = base.empty() ? "." : base;
        int error;
        std::vector<std::string> names = directory_entries(dir, error);
        if (error && error != ENOENT && error != ENOTDIR && unreadable_.empty())
            unreadable_ = errno_message("cannot read '" + dir + "'", error);
        return names;
    }

    std::string unreadable() const { return unreadable_; }

    std::vector<std::string> take() {
        std::sort(matches_.begin(), matches_.end());
        matches_.erase(std::unique(matches_.begin(), matches_.end()), matches_.end());
        return std::move(matches_);
    }

  private:
    std::vector<std::string> parts_;
    std::vector<std::string> matches_;
    std::string unreadable_;
};

} // namespace

bool has_glob_chars(std::string_view pattern) {
    return pattern.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string> expand_glob(const std::string &pattern, std::string *unreadable) {
    Walker walker(split_components(pattern));
    walker.walk(pattern.starts_with('/') ? "/" : "", 0);
    if (unreadable)
        *unreadable = walker.unreadable();
    return walker.take();
}

} // namespace fleche
