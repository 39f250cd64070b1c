#include "engine/prepared_key.hpp"

#include "key/invocation.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"

#include <cerrno>
#include <filesystem>
#include <vector>

namespace fleche::engine {

namespace {

// Reads all of stdin into an unlinked temporary file, hashing it on the way.
std::string copy_stdin(Fd &copy) {
    auto [path, fd] =
        make_temp_file(std::filesystem::temp_directory_path().string() + "/fleche-stdin");
    ::unlink(path.c_str());
    Sha256 hash;
    std::vector<char> buffer(1 << 16);
    for (;;) {
        ssize_t n = read_some(STDIN_FILENO, buffer.data(), buffer.size());
        if (n < 0)
            throw Error(errno_message("cannot read stdin", errno));
        if (n == 0)
            break;
        hash.update(buffer.data(), static_cast<size_t>(n));
        if (!write_all(fd.get(), buffer.data(), static_cast<size_t>(n)))
            throw Error(errno_message("cannot keep a copy of stdin in '" + path + "'", errno));
    }
    ::lseek(fd.get(), 0, SEEK_SET);
    copy = std::move(fd);
    return hash.finish_hex();
}

} // namespace

PreparedKey prepare_key(const key::Invocation &invocation, key::FileHasher &hasher) {
    if (invocation.argv.empty())
        throw Error("no command given: write it after '--', as in: fleche run -- CMD ARGS...");
    for (const auto &output : invocation.outputs)
        key::checked_output_path(output); // refuse before anything runs or is read
    PreparedKey prepared;
    prepared.tool = key::identify_tool(invocation.argv[0], invocation.tool_identity, hasher);
    std::optional<std::string> stdin_digest;
    if (invocation.hash_stdin)
        stdin_digest = copy_stdin(prepared.stdin_copy);
    prepared.record =
        key::make_key_record(invocation, prepared.tool, stdin_digest, hasher, prepared.unhashable);
    prepared.encoded = prepared.record.encode();
    // An incomplete record may equal another invocation's: no key at all.
    if (prepared.unhashable.empty())
        prepared.key = sha256_hex(prepared.encoded);
    return prepared;
}

void require_key(const PreparedKey &key) {
    if (!key.unhashable.empty())
        throw Error(key.unhashable + "; no key can be computed");
}

} // namespace fleche::engine
