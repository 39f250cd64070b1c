#include "key/traced_inputs.hpp"

#include "key/key_record.hpp"
#include "util/fs.hpp"

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <fnmatch.h>
#include <map>
#include <optional>
#include <string_view>
#include <sys/stat.h>

namespace fleche::key {

namespace {

// Bumped when the rules of traced_inputs.hpp change what a path set holds.
constexpr int trace_rules_version = 1;

using Call = exec::TraceEvent::Call;

bool strictly_beneath(std::string_view path, std::string_view dir) {
    return path != dir && path_within(path, dir);
}

std::string parent_of(const std::string &path) {
    auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::vector<std::string> path_components(std::string_view path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start < path.size()) {
        size_t slash = std::min(path.find('/', start), path.size());
        if (slash > start)
            parts.emplace_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

bool has_dot_dot(std::string_view path) {
    return path.find("/../") != std::string_view::npos || path.ends_with("/..");
}

// As expand_glob() reads a pattern: ** crosses no hidden name, and a
// trailing ** stands for what is below a directory, not the directory.
bool glob_matches(const std::vector<std::string> &glob, size_t g,
                  const std::vector<std::string> &path, size_t p) {
    if (g == glob.size())
        return p == path.size();
    if (glob[g] == "**") {
        if (g + 1 < glob.size() && glob_matches(glob, g + 1, path, p))
            return true;
        for (size_t end = p; end < path.size() && path[end][0] != '.'; ++end)
            if (glob_matches(glob, g + 1, path, end + 1))
                return true;
        return false;
    }
    return p < path.size() && ::fnmatch(glob[g].c_str(), path[p].c_str(), FNM_PERIOD) == 0 &&
           glob_matches(glob, g + 1, path, p + 1);
}

std::optional<std::string> real_path(const std::string &path) {
    char *resolved = ::realpath(path.c_str(), nullptr);
    if (!resolved)
        return std::nullopt;
    std::string out = resolved;
    std::free(resolved);
    return out;
}

// The physical form of a path that exists: its directory resolved by the
// kernel (symbolic links and ".." alike), its last name kept, so that a
// symbolic link at the end is not followed. nullopt when that fails.
std::optional<std::string> physical(const std::string &path) {
    std::string name = path.substr(path.rfind('/') + 1);
    if (name.empty() || name == "..")
        return real_path(path);
    auto dir = real_path(parent_of(path));
    if (!dir)
        return std::nullopt;
    return *dir == "/" ? "/" + name : *dir + "/" + name;
}

class Scope {
  public:
    explicit Scope(const TraceScope &scope) : scope_(scope) {
        cwd_ = real_path(scope.cwd).value_or(scope.cwd);
        for (const auto &glob : scope.ignore)
            ignore_.push_back(path_components(glob));
    }

    // Neither an input nor an output, whatever CMD did with it: the kernel's
    // views, the store (fleche's own files, written by a nested fleche), and
    // what the user said to leave out.
    bool skipped(const std::string &path) const {
        for (const char *system : {"/proc", "/sys", "/dev"})
            if (path_within(path, system))
                return true;
        if (!scope_.store_dir.empty() && path_within(path, scope_.store_dir))
            return true;
        auto parts = path_components(path);
        return std::any_of(ignore_.begin(), ignore_.end(),
                           [&](const auto &glob) { return glob_matches(glob, 0, parts, 0); });
    }

    // mkdir -p asks for every directory on its way (EEXIST): those that held
    // the working directory all along were not made by CMD.
    bool holds_cwd(const std::string &path) const {
        return path_within(scope_.cwd, path) || path_within(cwd_, path);
    }

    // `path` relative to the working directory, when its physical form is
    // strictly beneath it; empty otherwise (or when unsure).
    std::string relative(const std::string &path) const {
        auto real = physical(path);
        if (!real || !strictly_beneath(*real, cwd_))
            return "";
        return real->substr(cwd_ == "/" ? 1 : cwd_.size() + 1);
    }

  private:
    const TraceScope &scope_;
    std::string cwd_; // physical, as the kernel names the files CMD made
    std::vector<std::vector<std::string>> ignore_;
};

// What the calls on one path did, in the order that matters.
struct PathUse {
    bool skipped = false;
    bool looked = false;  // read or listed before it was first written
    bool creates = false; // made to exist (O_CREAT, rename/link/symlink target, mkdir)
    bool removes = false; // made to vanish (unlink, rmdir, rename source)
    bool written = false; // any of those, or changed in place (O_WRONLY, truncate)
    bool listed = false;
    std::string refusal; // found while reading the events
};

enum class Effect { read, probe, list, create, remove, change };

Effect open_effect(int flags) {
    if (flags & O_PATH)
        return Effect::probe;
    // O_TMPFILE names no file; a later linkat() gives it its name.
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return Effect::probe;
    if (flags & O_CREAT)
        return Effect::create;
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
        return Effect::change;
    return Effect::read;
}

bool keeps_content(int flags) {
    if ((flags & O_ACCMODE) == O_RDONLY || (flags & O_PATH) || (flags & O_TMPFILE) == O_TMPFILE)
        return false;
    return !(flags & O_TRUNC) && !((flags & O_CREAT) && (flags & O_EXCL));
}

class Classifier {
  public:
    explicit Classifier(const TraceScope &scope) : scope_(scope) {}

    void event(const exec::TraceEvent &e) {
        switch (e.call) {
        case Call::open:
            // A write that neither truncates nor creates afresh (O_RDWR,
            // O_APPEND: `echo x >> log`) keeps what was there, which the
            // result then depends on: a read, then a change.
            if (keeps_content(e.open_flags))
                apply(e.path, Effect::read);
            apply(e.path, open_effect(e.open_flags));
            break;
        case Call::exec:
            apply(e.path, Effect::read);
            break;
        case Call::probe:
            apply(e.path, Effect::probe);
            break;
        case Call::list:
            apply(e.path, Effect::list);
            break;
        case Call::remove:
            apply(e.path, Effect::remove);
            break;
        case Call::rename:
            moved_away(e.path);
            apply(e.path, Effect::remove);
            apply(e.path2, Effect::create);
            break;
        case Call::link:
            apply(e.path, Effect::probe); // fails unless it exists; its content is path2's
            apply(e.path2, Effect::create);
            break;
        case Call::symlink:
            apply(e.path2, Effect::create); // e.path is the link's text, not a lookup
            break;
        case Call::mkdir:
            apply(e.path, scope_.holds_cwd(e.path) ? Effect::probe : Effect::create);
            break;
        case Call::truncate:
            apply(e.path, Effect::change);
            break;
        }
    }

    TracedPaths finish(const exec::Trace &trace);

  private:
    void apply(const std::string &path, Effect effect);
    void moved_away(const std::string &dir);
    void name_changed(const std::string &path);
    void classify(const std::string &path, PathUse &use, TracedPaths &out);

    Scope scope_;
    std::map<std::string, PathUse> paths_;
};

void Classifier::apply(const std::string &path, Effect effect) {
    if (path.empty())
        return;
    auto [it, first] = paths_.try_emplace(path);
    PathUse &use = it->second;
    if (first)
        use.skipped = scope_.skipped(path);
    if (use.skipped)
        return;
    if (effect == Effect::list)
        use.listed = true;
    if ((effect == Effect::read || effect == Effect::list) && !use.written)
        use.looked = true;
    if (effect == Effect::create || effect == Effect::remove || effect == Effect::change)
        use.written = true;
    use.creates |= effect == Effect::create;
    use.removes |= effect == Effect::remove;
    if (effect == Effect::create || effect == Effect::remove)
        name_changed(path);
}

// A listing is keyed by the names there at the end; once CMD has listed a
// directory, a name it then creates or removes there makes that end state
// differ from what it saw. Names changed before the listing were seen.
void Classifier::name_changed(const std::string &path) {
    std::string dir = parent_of(path);
    if (has_dot_dot(path))
        if (auto real = physical(path))
            dir = parent_of(*real);
    auto it = paths_.find(dir);
    if (it != paths_.end() && it->second.listed && it->second.looked && it->second.refusal.empty())
        it->second.refusal = "CMD listed " + dir + " and then created or removed " + path +
                             " in it: what it listed is gone";
}

// A directory renamed away takes with it what CMD read inside it: the end
// state would say "missing" where CMD saw files.
void Classifier::moved_away(const std::string &dir) {
    for (auto it = paths_.lower_bound(dir + "/");
         it != paths_.end() && strictly_beneath(it->first, dir); ++it)
        if (!it->second.skipped && !it->second.written && it->second.refusal.empty())
            it->second.refusal = "CMD read " + it->first + " and then renamed " + dir +
                                 ", which held it: what it read is gone";
}

void Classifier::classify(const std::string &path, PathUse &use, TracedPaths &out) {
    auto keep = [&](std::string why) {
        if (out.refusal.empty() && !why.empty())
            out.refusal = std::move(why);
    };
    struct stat st;
    bool exists = ::lstat(path.c_str(), &st) == 0;
    // Calls that need the file fail when it is missing; missing at the end
    // and never made to exist, the path was missing before (or CMD removed
    // it, which a replay cannot do): keyed as missing either way.
    bool as_missing = !exists && !use.creates && (!use.looked || !use.removes);
    if (!use.written || as_missing) {
        out.inputs.push_back({path, use.listed});
        keep(use.refusal);
        return;
    }
    if (use.looked) {
        // `sed -i`, `ar r`: what CMD read is not what is there now.
        out.inputs.push_back({path, use.listed});
        keep(use.refusal.empty() ? "CMD read " + path + " and then changed it: what it read is gone"
                                 : use.refusal);
        return;
    }
    keep(use.refusal);
    if (!exists)
        return; // a temporary: gcc's /tmp/cc*.s
    std::string relative = scope_.relative(path);
    if (relative.empty()) {
        auto real = physical(path);
        if (!real || !scope_.skipped(*real))
            keep("CMD wrote " + path + " outside the working directory and left it there");
        return;
    }
    // Git's own files are the repository's business, never restored by us.
    auto parts = path_components(relative);
    if (S_ISREG(st.st_mode) && std::find(parts.begin(), parts.end(), ".git") == parts.end())
        out.outputs.push_back(relative);
}

TracedPaths Classifier::finish(const exec::Trace &trace) {
    TracedPaths out;
    if (!trace.incomplete.empty())
        out.refusal = "the trace is incomplete: " + trace.incomplete;
    else if (trace.outlived)
        out.refusal = "a process CMD started was still running when it exited; what it did next "
                      "is unseen";
    for (auto &[path, use] : paths_)
        if (!use.skipped)
            classify(path, use, out);
    std::sort(out.outputs.begin(), out.outputs.end());
    out.outputs.erase(std::unique(out.outputs.begin(), out.outputs.end()), out.outputs.end());
    return out;
}

} // namespace

TracedPaths classify_trace(const exec::Trace &trace, const TraceScope &scope) {
    Classifier classifier(scope);
    for (const auto &event : trace.events)
        classifier.event(event);
    return classifier.finish(trace);
}

std::string trace_scheme(bool readlink, const std::vector<std::string> &ignore) {
    std::vector<std::string> globs = ignore;
    std::sort(globs.begin(), globs.end());
    globs.erase(std::unique(globs.begin(), globs.end()), globs.end());
    std::string scheme = "rules " + std::to_string(trace_rules_version);
    if (readlink)
        scheme += " readlink";
    for (const auto &glob : globs) {
        scheme += " ignore ";
        append_record_str(scheme, glob);
    }
    return scheme;
}

} // namespace fleche::key
