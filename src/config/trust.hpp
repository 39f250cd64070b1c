// Which configuration files fleche may use. A file can name a command that
// fleche runs (run.tool = "version:CMD"), so a file that someone else could
// have written is not read: as ccache does, fleche uses only files owned by
// the user it runs as (or by root) and writable by no one else.
#pragma once

#include <string>
#include <sys/stat.h>

namespace fleche::config {

// Empty when a file with this status may be used by `user` (an effective
// uid); else why not, as in "ignoring PATH: <why>".
std::string distrust(const struct stat &status, uid_t user);

} // namespace fleche::config
