// --base-dir, as ccache's base_dir: an absolute path beneath the base
// directory is keyed relative to the working directory, so that a second
// checkout at another path, given its own absolute paths (CMake's -I and
// source paths), computes the same key. Only while the working directory is
// beneath the base directory too: from elsewhere the relative path would
// name the checkout again ("../../ck1/src/a.c").
//
// The working directory is taken both as the kernel has it (getcwd) and as
// $PWD spells it when that names the same directory, and the base directory
// both as given and resolved: a build reached through a symbolic link keys
// its paths whichever way it writes them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fleche::key {

class Relocation {
  public:
    // nullopt without a base directory, or when the working directory is not
    // beneath it. `base_dir` is absolute and clean.
    static std::optional<Relocation> make(const std::optional<std::string> &base_dir);

    // An absolute path beneath the base directory, relative to the working
    // directory ("." for the working directory itself); nullopt for any other.
    std::optional<std::string> relative(const std::string &absolute) const;

    // An argument as it is keyed: an absolute path beneath the base
    // directory, alone or after an option prefix ("-I", "-isystem",
    // "--out=", "-DROOT="), with that path made relative; others unchanged.
    std::string argument(const std::string &arg) const;

    // A -i or -o spec as it is keyed and used: its literal directory made
    // relative, the glob after it kept ("/ck/src/*.h" -> "../src/*.h").
    // Unchanged unless the relative spec names the same file as the
    // absolute one (a symbolic link on the way could make ".." differ).
    std::string spec(const std::string &spec) const;

  private:
    // (base directory, working directory) pairs, the working directory
    // beneath the base in each.
    std::vector<std::pair<std::string, std::string>> roots_;
};

} // namespace fleche::key
