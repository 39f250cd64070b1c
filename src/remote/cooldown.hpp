// The cooldown stamp: after a remote cache failed (no connection, a
// timeout, a 5xx, refused credentials), every fleche process that uses this
// store skips that server for a while, so that `make -j` pays one timeout
// and prints one warning per cooldown, not one per command.
//
// <store>/remote-down, written whole (temp file, rename, beneath the store
// root without following symbolic links):
//   "fleche-remote-down 1\n"
//   "server " URL "\n"       the server, as printed (no secrets)
//   "until " INT "\n"        ns since the epoch
//   "reason " TEXT "\n"      what failed, for -v
// A stamp for another server, or one that does not read back whole, does not
// count. When a stamp has run out, one process asks the server again: the
// one that creates <store>/remote-probe (O_EXCL); the others keep skipping
// until it succeeds (removing both files) or fails (a new stamp). A probe
// file older than a minute is left by a killed process and taken over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fleche::remote {

class Cooldown {
  public:
    Cooldown(const std::string &store_dir, std::string server);

    // The reason while the server is to be skipped, else nullopt. One open
    // and a small read. Never throws.
    std::optional<std::string> active(int64_t now_ns) const noexcept;
    // Whether this process may ask the server now: there is no stamp, or it
    // has run out and this process won the probe. Never throws.
    bool claim_probe(int64_t now_ns) noexcept;
    // A failure: skip the server until now + duration. True when no stamp
    // was in force, so that this process is the one to warn. Throws Error.
    bool begin(int64_t now_ns, int64_t duration_ns, const std::string &reason);
    // A success after a probe: the server is back. Never throws.
    void end() noexcept;

  private:
    std::string stamp_path_, probe_path_, tmp_dir_, server_;
    bool probing_ = false;
};

} // namespace fleche::remote
