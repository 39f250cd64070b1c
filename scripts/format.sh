#!/usr/bin/env bash
# Format every C++ source of the repository (the files git tracks) with the
# repository's .clang-format.
#
#   scripts/format.sh          rewrite the files in place
#   scripts/format.sh --check  change nothing; list the files that differ and
#                              exit 1 if there is any (what CI runs)
#
# CLANG_FORMAT names the binary (default clang-format; CI has Debian's 14).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *)
        echo "usage: scripts/format.sh [--check]" >&2
        exit 2
        ;;
esac

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
    echo "format: $clang_format not found (Debian: apt-get install clang-format)" >&2
    exit 2
fi

# Untracked new files too (not ignored ones): a file not yet added is checked before its commit.
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' '*.h' '*.cc')
if ((check == 0)); then
    ((${#files[@]} == 0)) || "$clang_format" -i --style=file -- "${files[@]}"
    exit 0
fi

differ=0
for file in "${files[@]}"; do
    if ! "$clang_format" --style=file -- "$file" | cmp -s - "$file"; then
        echo "$file"
        differ=$((differ + 1))
    fi
done
if ((differ > 0)); then
    echo "format: $differ of ${#files[@]} files differ from .clang-format (scripts/format.sh rewrites them)" >&2
    exit 1
fi
