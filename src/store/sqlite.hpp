// A thin RAII layer over the SQLite C API: a connection and prepared
// statements with typed binds and columns. Errors become fleche::Error.
#pragma once

#include "util/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace fleche::store {

class Statement;

// Tag for opening without writing anything (FLECHE_READONLY).
struct ReadOnly {};

// An Error from SQLite, with its primary result code (SQLITE_CORRUPT,
// SQLITE_NOTADB, ...), so that callers can tell a damaged file from a busy or
// full disk.
class DatabaseError : public Error {
  public:
    DatabaseError(const std::string &message, int code) : Error(message), code_(code) {}
    int code() const { return code_; }

  private:
    int code_;
};

class Database {
  public:
    // Opens (creating if asked) the database file. Throws Error.
    Database(const std::string &path, bool create);
    // Opens an existing database for reading only, creating no file: not even
    // the -wal and -shm files (when none exist, no writer is active and the
    // file is read as immutable). Throws Error.
    Database(const std::string &path, ReadOnly);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    void exec(const char *sql);
    // A statement prepared once per connection and reused: for statements
    // run in loops (gc removing a hundred thousand entries), where preparing
    // costs more than running. `sql` must outlive the connection, as a
    // string literal or a static string does (its address is the cache key). Reset after each
    // run().
    Statement &cached(const char *sql);
    sqlite3 *handle() const { return db_; }
    const std::string &path() const { return path_; }
    [[noreturn]] void fail(const std::string &what) const;

  private:
    sqlite3 *db_ = nullptr;
    std::string path_;
    std::unordered_map<const char *, std::unique_ptr<Statement>> cached_;
};

class Statement {
  public:
    Statement(Database &db, const char *sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int index, std::string_view text);
    Statement &bind(int index, int64_t value);
    Statement &bind_null(int index);
    // True while there is a row to read; false when done. Throws Error.
    bool step();
    // step() for statements that return no rows.
    void run();
    void reset();

    std::string text(int column) const;
    int64_t integer(int column) const;
    bool is_null(int column) const;

  private:
    Database &db_;
    sqlite3_stmt *stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless commit() was called.
// The crash tests kill fleche at a transaction's test hooks (util/test_hook);
// a transaction that does not store an entry gets hooks of its own, so that
// "index-begin" always means the entry's transaction.
struct TransactionHooks {
    const char *begin = "index-begin";
    const char *commit = "index-commit";
};

class Transaction {
  public:
    explicit Transaction(Database &db, TransactionHooks hooks = {});
    ~Transaction();
    void commit();

  private:
    Database &db_;
    TransactionHooks hooks_;
    bool done_ = false;
};

} // namespace fleche::store
