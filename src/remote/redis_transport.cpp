// A RESP2 client just large enough for the cache (AUTH, SELECT, GET, SET,
// EXISTS) on Boost.Asio. Every socket operation runs on our own io_context
// with a steady_timer beside it, one operation at a time, so a request is
// bounded by its timeouts without threads; the request timeout restarts
// with each read or write that moves bytes.
#include "remote/redis_transport.hpp"

#include "remote/remote_url.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleche::remote {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t redis_chunk = 64 * 1024;
// Replies other than GET's value are a word or a number; a longer line means
// we are not talking to Redis.
constexpr size_t redis_max_line = 64 * 1024;

Reply redis_reply(Status status, std::string detail, uint64_t bytes = 0) {
    Reply r;
    r.status = status;
    r.detail = std::move(detail);
    r.bytes = bytes;
    return r;
}

// What a Redis error means for the caller, from its first word.
Status redis_error_status(std::string_view error) {
    std::string_view word = error.substr(0, error.find(' '));
    if (word == "NOAUTH" || word == "WRONGPASS" || word == "NOPERM" || word == "READONLY")
        return Status::unauthorized;
    if (word == "OOM" || word == "LOADING" || word == "BUSY" || word == "MASTERDOWN")
        return Status::unavailable;
    return Status::failed;
}

// One parsed reply line: '+', '-', ':', '$' or '*' and the rest of the line.
struct RedisLine {
    char type = 0;
    std::string text;
};

// Thrown inside a request only, caught in RedisTransport::request: the
// request's way out with the Reply it ends with.
struct RedisAbort {
    Reply reply;
    bool drop_connection = true;
};

class RedisTransport : public Transport {
  public:
    RedisTransport(const RemoteSettings &settings, uint64_t max_value_size)
        : settings_(settings), max_value_size_(max_value_size), timer_(io_) {
        describe_ = redact_remote_url(settings.url);
        try {
            url_ = parse_remote_url(settings.url);
            if (!url_->redis())
                url_error_ = "not a redis:// URL";
            else if (url_->tls())
                url_error_ = "rediss:// is not supported yet";
        } catch (const std::exception &e) {
            url_.reset();
            url_error_ = e.what();
        }
    }

    Reply get(const std::string &name, const Sink &sink) override {
        return request(name, true, [&](const std::string &key, bool &delivered) {
            send_command({"GET", key});
            RedisLine line = read_line();
            if (line.type == '$' && line.text == "-1")
                return redis_reply(Status::not_found, "not found");
            if (line.type != '$')
                throw unexpected(line);
            uint64_t size = parse_size(line.text);
            uint64_t moved = 0;
            while (moved < size) {
                size_t piece =
                    read_some(static_cast<size_t>(std::min<uint64_t>(size - moved, redis_chunk)));
                delivered = true;
                try {
                    sink(rbuf_.data() + rpos_, piece);
                } catch (const std::exception &e) {
                    throw RedisAbort{redis_reply(Status::failed, e.what(), moved)};
                }
                rpos_ += piece;
                moved += piece;
            }
            expect_crlf();
            return redis_reply(Status::ok, "", size);
        });
    }

    Reply put(const std::string &name, uint64_t size, const Source &source) override {
        if (size > max_value_size_)
            return redis_reply(Status::too_large, "value of " + std::to_string(size) +
                                                      " bytes is above Redis's limit");
        return request(name, false, [&](const std::string &key, bool &delivered) {
            delivered = true; // the source is not asked twice
            std::string head = "*3\r\n$3\r\nSET\r\n";
            append_bulk_header(head, key.size());
            head.append(key).append("\r\n");
            append_bulk_header(head, size);
            std::string out = std::move(head);
            uint64_t produced = 0;
            try {
                source([&](const char *data, size_t n) {
                    produced += n;
                    if (produced > size)
                        throw RedisAbort{redis_reply(Status::failed,
                                                     "the source gave more bytes than announced")};
                    out.append(data, n);
                    if (out.size() >= redis_chunk) {
                        write_all(out);
                        out.clear();
                    }
                });
            } catch (RedisAbort &) {
                throw;
            } catch (const std::exception &e) {
                throw RedisAbort{redis_reply(Status::failed, e.what())};
            }
            if (produced != size)
                throw RedisAbort{
                    redis_reply(Status::failed, "the source gave fewer bytes than announced")};
            out.append("\r\n");
            write_all(out);
            RedisLine line = read_line();
            if (line.type != '+')
                throw unexpected(line);
            return redis_reply(Status::ok, "", size);
        });
    }

    Reply head(const std::string &name) override {
        return request(name, true, [&](const std::string &key, bool &) {
            send_command({"EXISTS", key});
            RedisLine line = read_line();
            if (line.type != ':')
                throw unexpected(line);
            return line.text == "0" ? redis_reply(Status::not_found, "not found")
                                    : redis_reply(Status::ok, "");
        });
    }

    std::string describe() const override { return describe_; }

  private:
    // Runs `body` on a connection, turning every failure into a Reply. A
    // kept connection that broke while idle is noticed before sending; if it
    // broke anyway, an idempotent request that delivered nothing is retried
    // once on a new connection.
    template <class Body> Reply request(const std::string &name, bool retryable, Body body) {
        if (!url_error_.empty())
            return redis_reply(Status::failed, url_error_);
        std::string key;
        if (name.rfind("ac/", 0) == 0)
            key = settings_.redis_prefix + "ac:" + name.substr(3);
        else if (name.rfind("cas/", 0) == 0)
            key = settings_.redis_prefix + "cas:" + name.substr(4);
        else
            return redis_reply(Status::failed, "not an ac/ or cas/ name: " + name);
        for (int attempt = 0;; ++attempt) {
            bool reused = socket_.has_value() && idle_connection_alive();
            bool delivered = false;
            try {
                if (!reused)
                    connect();
                return body(key, delivered);
            } catch (RedisAbort &abort) {
                if (abort.drop_connection)
                    disconnect();
                bool broken = abort.reply.status == Status::unavailable && !timed_out_;
                if (reused && broken && retryable && !delivered && attempt == 0)
                    continue;
                return std::move(abort.reply);
            } catch (const std::exception &e) {
                disconnect();
                return redis_reply(Status::failed, e.what());
            }
        }
    }

    // A kept connection must have nothing to read while idle: EOF or a
    // reset means the server went away, anything else is garbage.
    bool idle_connection_alive() {
        char c;
        ssize_t n = ::recv(socket_->native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN && rpos_ == rbuf_.size())
            return true;
        disconnect();
        return false;
    }

    void connect() {
        disconnect();
        std::string where = url_->host + ":" + std::to_string(url_->port);
        tcp::resolver::results_type endpoints;
        error_code ec;
        auto address = asio::ip::make_address(url_->host, ec);
        if (!ec) {
            endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, url_->port),
                                                            url_->host, std::to_string(url_->port));
        } else {
            tcp::resolver resolver(io_);
            endpoints = resolver.resolve(url_->host, std::to_string(url_->port), ec);
            if (ec)
                throw RedisAbort{redis_reply(Status::unavailable,
                                             "resolve " + url_->host + ": " + ec.message())};
        }
        socket_.emplace(io_);
        run_with_timeout(settings_.connect_timeout_ms, [&](auto done) {
            asio::async_connect(*socket_, endpoints,
                                [done](const error_code &e, const tcp::endpoint &) { done(e, 0); });
        });
        if (timed_out_)
            throw RedisAbort{redis_reply(Status::unavailable,
                                         "connect to " + where + ": timeout after " +
                                             std::to_string(settings_.connect_timeout_ms) + " ms")};
        if (last_error_)
            throw RedisAbort{redis_reply(Status::unavailable,
                                         "connect to " + where + ": " + last_error_.message())};
        socket_->set_option(tcp::no_delay(true), ec);
        const std::string &user = settings_.password.empty() ? url_->user : settings_.user;
        const std::string &password =
            settings_.password.empty() ? url_->password : settings_.password;
        if (!password.empty()) {
            if (user.empty())
                send_command({"AUTH", password});
            else
                send_command({"AUTH", user, password});
            expect_ok("AUTH");
        }
        if (url_->db != 0) {
            send_command({"SELECT", std::to_string(url_->db)});
            expect_ok("SELECT " + std::to_string(url_->db));
        }
    }

    void disconnect() {
        if (socket_) {
            error_code ignored;
            socket_->close(ignored);
            socket_.reset();
        }
        rbuf_.clear();
        rpos_ = 0;
    }

    // Starts one async operation through `start(done)` and runs the
    // io_context until it completes or `timeout_ms` passes (then the socket
    // is cancelled). Leaves the outcome in last_error_, timed_out_ and the
    // byte count returned.
    template <class Start> size_t run_with_timeout(int64_t timeout_ms, Start start) {
        bool finished = false;
        size_t moved = 0;
        timed_out_ = false;
        last_error_ = {};
        io_.restart();
        timer_.expires_after(std::chrono::milliseconds(timeout_ms));
        timer_.async_wait([this](const error_code &e) {
            if (!e && socket_) {
                timed_out_ = true;
                error_code ignored;
                socket_->cancel(ignored);
            }
        });
        start([&](const error_code &e, size_t n) {
            last_error_ = e;
            moved = n;
            finished = true;
        });
        while (!finished && io_.run_one() > 0) {
        }
        timer_.cancel();
        io_.run(); // the cancelled timer's handler
        return moved;
    }

    Reply io_failure(const char *what) {
        if (timed_out_)
            return redis_reply(Status::unavailable, std::string(what) + ": timeout after " +
                                                        std::to_string(settings_.timeout_ms) +
                                                        " ms");
        if (last_error_ == asio::error::eof)
            return redis_reply(Status::unavailable,
                               std::string(what) + ": the server closed the connection");
        return redis_reply(Status::unavailable, std::string(what) + ": " + last_error_.message());
    }

    void write_all(const std::string &bytes) {
        size_t sent = 0;
        while (sent < bytes.size()) {
            size_t n = run_with_timeout(settings_.timeout_ms, [&](auto done) {
                socket_->async_write_some(asio::buffer(bytes.data() + sent, bytes.size() - sent),
                                          done);
            });
            if (last_error_ || timed_out_)
                throw RedisAbort{io_failure("write")};
            sent += n;
        }
    }

    static void append_bulk_header(std::string &out, uint64_t size) {
        out.append("$").append(std::to_string(size)).append("\r\n");
    }

    void send_command(const std::vector<std::string> &args) {
        std::string out = "*" + std::to_string(args.size()) + "\r\n";
        for (const std::string &arg : args) {
            append_bulk_header(out, arg.size());
            out.append(arg).append("\r\n");
        }
        write_all(out);
    }

    // Reads more bytes into rbuf_ (compacting what was consumed).
    void fill() {
        if (rpos_ > 0) {
            rbuf_.erase(0, rpos_);
            rpos_ = 0;
        }
        size_t old = rbuf_.size();
        rbuf_.resize(old + redis_chunk);
        size_t n = run_with_timeout(settings_.timeout_ms, [&](auto done) {
            socket_->async_read_some(asio::buffer(rbuf_.data() + old, redis_chunk), done);
        });
        rbuf_.resize(old + n);
        if (last_error_ || timed_out_)
            throw RedisAbort{io_failure("read")};
    }

    // Makes up to `want` (> 0) unread bytes available at rbuf_[rpos_], at least one.
    size_t read_some(size_t want) {
        if (rpos_ == rbuf_.size())
            fill();
        return std::min(want, rbuf_.size() - rpos_);
    }

    RedisLine read_line() {
        size_t end;
        while ((end = rbuf_.find("\r\n", rpos_)) == std::string::npos) {
            if (rbuf_.size() - rpos_ > redis_max_line)
                throw RedisAbort{redis_reply(Status::failed, "not a Redis reply (line too long)")};
            fill();
        }
        RedisLine line;
        if (end == rpos_)
            throw RedisAbort{redis_reply(Status::failed, "not a Redis reply (empty line)")};
        line.type = rbuf_[rpos_];
        line.text = rbuf_.substr(rpos_ + 1, end - rpos_ - 1);
        rpos_ = end + 2;
        if (line.type == '-')
            throw RedisAbort{redis_reply(redis_error_status(line.text), "Redis: " + line.text),
                             false};
        if (std::strchr("+:$*", line.type) == nullptr)
            throw RedisAbort{redis_reply(Status::failed, "not a Redis reply")};
        return line;
    }

    void expect_crlf() {
        while (rbuf_.size() - rpos_ < 2)
            fill();
        if (rbuf_.compare(rpos_, 2, "\r\n") != 0)
            throw RedisAbort{
                redis_reply(Status::failed, "not a Redis reply (bulk string without CRLF)")};
        rpos_ += 2;
    }

    // A failed AUTH or SELECT leaves a connection we must not use.
    void expect_ok(const std::string &what) {
        try {
            RedisLine line = read_line();
            if (line.type != '+')
                throw unexpected(line);
        } catch (RedisAbort &abort) {
            abort.reply.detail = what + ": " + abort.reply.detail;
            abort.drop_connection = true;
            throw;
        }
    }

    static RedisAbort unexpected(const RedisLine &line) {
        return RedisAbort{redis_reply(Status::failed, std::string("unexpected Redis reply type '") +
                                                          line.type + "'")};
    }

    static uint64_t parse_size(const std::string &text) {
        uint64_t size = 0;
        if (text.empty() || text.size() > 19 ||
            text.find_first_not_of("0123456789") != std::string::npos)
            throw RedisAbort{redis_reply(Status::failed, "not a Redis reply (bad length)")};
        for (char c : text)
            size = size * 10 + static_cast<uint64_t>(c - '0');
        return size;
    }

    RemoteSettings settings_;
    uint64_t max_value_size_;
    std::optional<RemoteUrl> url_;
    std::string url_error_, describe_;
    asio::io_context io_;
    asio::steady_timer timer_;
    std::optional<tcp::socket> socket_;
    std::string rbuf_; // bytes read, rbuf_[rpos_...] not yet consumed
    size_t rpos_ = 0;
    error_code last_error_;
    bool timed_out_ = false;
};

} // namespace

std::unique_ptr<Transport> make_redis_transport(const RemoteSettings &settings,
                                                uint64_t max_value_size) {
    return std::make_unique<RedisTransport>(settings, max_value_size);
}

} // namespace fleche::remote
