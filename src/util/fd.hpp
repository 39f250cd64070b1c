// File descriptors owned by RAII, and the read/write loops that every caller
// would otherwise repeat (EINTR, short writes).
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>

namespace fleche {

class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd &&other) noexcept : fd_(other.release()) {}
    Fd &operator=(Fd &&other) noexcept {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

// read() retried on EINTR; returns what read() returns.
ssize_t read_some(int fd, void *buffer, size_t size);
// Writes everything or returns false with errno set.
bool write_all(int fd, const void *data, size_t size);
inline bool write_all(int fd, std::string_view text) {
    return write_all(fd, text.data(), text.size());
}
// Whole file into memory; throws Error.
std::string read_file(const std::string &path);
// The rest of an open file; throws Error naming `path`.
std::string read_rest(int fd, const std::string &path);

} // namespace fleche
