#!/bin/sh
# Checks that every C source and header of the tree is formatted as
# .clang-format says (clang-format --dry-run --Werror). Reformat with
#   clang-format -i $(git ls-files '*.c' '*.h')
#
# Usage: format-check.sh TOP
# Needs clang-format; without it prints "SKIPPED: format-check (...)" and
# exits 77 (ctest shows the test as skipped).
set -u
top=${1:?usage: format-check.sh TOP}
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null 2>&1; then
    echo "SKIPPED: format-check (no $cf)"
    exit 77
fi
cd "$top" || exit 2
files=$(find core scan repair tui tests -name build -prune -o \( -name '*.c' -o -name '*.h' \) -print | sort)
[ -n "$files" ] || { echo "format-check: no sources under $top" >&2; exit 2; }
bad=0
n=0
for f in $files; do
    n=$((n + 1))
    if ! "$cf" --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "format-check: $f is not formatted (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
if [ "$bad" -ne 0 ]; then
    echo "format-check: $bad of $n files need clang-format ($("$cf" --version))"
    exit 1
fi
echo "format-check: $n files formatted as .clang-format says ($("$cf" --version))"
