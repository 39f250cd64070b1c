// A temporary directory that the test works in (the cwd while it lives).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

class ScratchDir {
  public:
    ScratchDir() {
        std::string templ = std::filesystem::temp_directory_path().string() + "/fleche-unit.XXXXXX";
        path_ = ::mkdtemp(templ.data());
        old_ = std::filesystem::current_path();
        std::filesystem::current_path(path_);
    }
    ~ScratchDir() {
        std::filesystem::current_path(old_);
        std::filesystem::remove_all(path_);
    }
    void write(const std::string &relative, const std::string &content) {
        std::filesystem::path p = path_ / relative;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        // Whatever the umask: a group-writable fleche.toml would be ignored.
        std::filesystem::permissions(p, std::filesystem::perms(0644));
    }
    const std::filesystem::path &path() const { return path_; }

  private:
    std::filesystem::path path_, old_;
};
