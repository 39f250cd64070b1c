#include "config/trust.hpp"

namespace fleche::config {

std::string distrust(const struct stat &status, uid_t user) {
    // The folder is not checked: whoever replaces a file there owns the new
    // one, and a file owned by someone else is refused below.
    if (status.st_uid != user && status.st_uid != 0)
        return "it is owned by uid " + std::to_string(status.st_uid) +
               ", not by you or root (chown it to use it)";
    bool group = status.st_mode & S_IWGRP, others = status.st_mode & S_IWOTH;
    if (group && others)
        return "it is writable by group and others (chmod go-w it to use it)";
    if (group)
        return "it is writable by its group (chmod g-w it to use it)";
    if (others)
        return "it is writable by others (chmod o-w it to use it)";
    return "";
}

} // namespace fleche::config
