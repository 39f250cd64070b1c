#include "store/sqlite.hpp"

#include "util/error.hpp"
#include "util/test_hook.hpp"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <sqlite3.h>
#include <string_view>
#include <sys/stat.h>

namespace fleche::store {

namespace {

// sqlite3_open_v2 that throws, leaving no half-open handle behind.
sqlite3 *open_database(const std::string &name, int flags, const std::string &what) {
    sqlite3 *db = nullptr;
    if (sqlite3_open_v2(name.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
        throw DatabaseError("cannot open " + what + ": " + message, code);
    }
    sqlite3_extended_result_codes(db, 1);
    return db;
}

// "file:" URI of a path: '?', '#' and '%' are escaped.
std::string file_uri(const std::string &path) {
    std::string uri = "file:";
    for (char c : path) {
        if (c == '?' || c == '#' || c == '%') {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02x", c);
            uri += escaped;
        } else {
            uri += c;
        }
    }
    return uri;
}

// SQLITE_OPEN_NOFOLLOW (the index, its WAL and shared memory are never
// opened through a symbolic link planted in the store) refuses a link
// anywhere in the name; the folders above the store may hold one.
std::string resolved_folder(const std::string &path) {
    auto slash = path.rfind('/');
    std::string folder = slash == std::string::npos ? "." : path.substr(0, slash ? slash : 1);
    char real[PATH_MAX];
    if (!::realpath(folder.c_str(), real))
        return path; // then SQLite reports what is wrong
    return std::string(real) + (std::string_view(real) == "/" ? "" : "/") +
           path.substr(slash == std::string::npos ? 0 : slash + 1);
}

} // namespace

Database::Database(const std::string &path, bool create) : path_(path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW |
                (create ? SQLITE_OPEN_CREATE : 0);
    db_ = open_database(resolved_folder(path), flags, "the index '" + path + "'");
    // Every fleche is a short-lived process, often the only connection: by
    // default each would delete the WAL and shared-memory files on close and
    // the next would create them again, and each writer would checkpoint on
    // close (two fsyncs, ~20 ms on a busy disk, on every miss). Keep the
    // files, and checkpoint only when the WAL reaches wal_autocheckpoint
    // pages: small, because a process that opens the index scans the WAL.
    int persist = 1;
    sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

Database::Database(const std::string &path, ReadOnly) : path_(path) {
    struct stat st;
    std::string mode = ::stat((path + "-wal").c_str(), &st) == 0 ? "?mode=ro" : "?immutable=1";
    db_ = open_database(file_uri(resolved_folder(path)) + mode,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX |
                            SQLITE_OPEN_NOFOLLOW,
                        "the index '" + path + "' for reading");
}

Database::~Database() {
    cached_.clear(); // finalized before the connection closes
    sqlite3_close(db_);
}

Statement &Database::cached(const char *sql) {
    auto &statement = cached_[sql];
    if (!statement)
        statement = std::make_unique<Statement>(*this, sql);
    return *statement;
}

void Database::fail(const std::string &what) const {
    throw DatabaseError(what + " in the index '" + path_ + "': " + sqlite3_errmsg(db_),
                        sqlite3_errcode(db_) & 0xff);
}

void Database::exec(const char *sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        fail("cannot run \"" + std::string(sql).substr(0, 40) + "\"");
}

Statement::Statement(Database &db, const char *sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK)
        db.fail("cannot prepare a query");
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement &Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement &Statement::bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement &Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    db_.fail("query failed");
}

void Statement::run() {
    step();
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
    auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : "";
}

int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Transaction::Transaction(Database &db, TransactionHooks hooks) : db_(db), hooks_(hooks) {
    test_hook(hooks_.begin);
    db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!done_)
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    test_hook(hooks_.commit);
    db_.exec("COMMIT");
    done_ = true;
}

} // namespace fleche::store
