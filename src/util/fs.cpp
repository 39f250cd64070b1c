#include "util/fs.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fleche {

void make_directories(const std::string &path, mode_t mode) {
    if (path.empty() || ::mkdir(path.c_str(), mode) == 0 || errno == EEXIST)
        return;
    if (errno == ENOENT) {
        auto slash = path.find_last_of('/');
        if (slash != std::string::npos && slash > 0)
            make_directories(path.substr(0, slash), mode);
        if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST)
            return;
    }
    throw Error(errno_message("cannot create directory '" + path + "'", errno));
}

std::pair<std::string, Fd> make_temp_file(const std::string &prefix) {
    std::string path = prefix + ".XXXXXX";
    int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0)
        throw Error(errno_message("cannot create a temporary file in '" +
                                      prefix.substr(0, prefix.rfind('/')) + "'",
                                  errno));
    return {path, Fd(fd)};
}

TempFile::TempFile(const std::string &prefix) {
    auto [path, fd] = make_temp_file(prefix);
    path_ = std::move(path);
    fd_ = std::move(fd);
}

TempFile::~TempFile() {
    if (!committed_)
        ::unlink(path_.c_str());
}

void TempFile::commit(const std::string &target) {
    if (::close(fd_.release()) != 0)
        throw Error(errno_message("cannot write '" + path_ + "'", errno));
    if (::rename(path_.c_str(), target.c_str()) != 0)
        throw Error(errno_message("cannot move '" + path_ + "' to '" + target + "'", errno));
    committed_ = true;
}

std::vector<std::string> directory_entries(const std::string &dir) {
    int ignored;
    return directory_entries(dir, ignored);
}

std::vector<std::string> directory_entries(const std::string &dir, int &error) {
    std::vector<std::string> names;
    error = 0;
    DIR *d = ::opendir(dir.c_str());
    if (!d) {
        error = errno;
        return names;
    }
    while (dirent *e = ::readdir(d))
        if (std::string name = e->d_name; name != "." && name != "..")
            names.push_back(name);
    ::closedir(d);
    return names;
}

void remove_tree(const std::string &path) {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

} // namespace fleche
