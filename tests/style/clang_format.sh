#!/usr/bin/env bash
# clang_format.sh - every C file of the tree follows the checked-in
# .clang-format (../shared/STYLE.md): `clang-format --dry-run --Werror`
# over the files git tracks. Run `git ls-files '*.c' '*.h' | xargs
# clang-format -i` to fix what it reports.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "clang-format not installed"; exit 1; }
if git rev-parse --git-dir >/dev/null 2>&1; then
  files=$(git ls-files '*.c' '*.h')
else
  files=$(find include lib cli server tools tests fuzz bench -name '*.[ch]')
fi
n=$(echo "$files" | wc -l)
echo "$files" | xargs clang-format --dry-run --Werror
echo "clang_format: $n files follow .clang-format"
