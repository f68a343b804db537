#!/bin/bash
# Naming and documentation rules of lvmtui (tui/):
#  1. every global symbol lrtui and the program lvmtui define carries the
#     module prefix, lr_tui_ (public, tui/include/lr/tui.h) or tui_
#     (private); main is the only exception;
#  2. every function declared in tui/include/lr/tui.h has a comment of its
#     own right above it (what it does, who owns what it returns, how it
#     fails).
#
# Usage: names.sh NM TUI_H LIBLRTUI.a "OBJ;OBJ..."
set -u

NAME=tui-names
NM=${1:-}
HEADER=${2:-}
LIB=${3:-}
OBJS=${4:-}
[ -n "$NM" ] && [ -f "$HEADER" ] && [ -f "$LIB" ] && [ -n "$OBJS" ] ||
    { echo "usage: $0 NM TUI_H LIBLRTUI.a 'OBJ;OBJ...'" >&2; exit 2; }
command -v "$NM" >/dev/null 2>&1 || { echo "SKIPPED: $NAME ($NM not found)"; exit 77; }

FAILED=0
IFS=';' read -r -a objs <<<"$OBJS"

# 1. Global symbols defined (T text, D/B/R/G/S data, C common, W weak).
#    Names starting with '_' or holding a '.' are the compiler's (sanitizer
#    and profiling instrumentation), not ours.
bad=$("$NM" -g --defined-only "$LIB" "${objs[@]}" 2>/dev/null |
    awk 'NF >= 3 && $2 ~ /^[TDBRGSCVW]$/ { print $3 }' |
    grep -v -E '^(lr_tui_|tui_)' | grep -v -E '^(main$|_)' | grep -v '\.' | sort -u)
if [ -n "$bad" ]; then
    echo "FAIL: $NAME: global names without the lr_tui_/tui_ prefix:"
    printf '  %s\n' $bad
    FAILED=1
fi
n_syms=$("$NM" -g --defined-only "$LIB" "${objs[@]}" 2>/dev/null |
    awk 'NF >= 3 && $2 ~ /^[TDBRGSCVW]$/' | wc -l)
if [ "$n_syms" -lt 20 ]; then
    echo "FAIL: $NAME: only $n_syms global symbols found: wrong files?"
    FAILED=1
fi

# 2. A declaration starts at column 0 with a type and names lr_tui_X( (or
#    is the typedef of a function type); the line above it, skipping none,
#    must end a comment.
undoc=$(awk '
    /\/\*/ { in_c = 1 }
    {
        line = $0
        if (!in_c && line ~ /^[a-z].*\(?\*?lr_tui_[a-z0-9_]+\)?\(/ && line !~ /^#/) {
            fn = line
            sub(/\(.*/, "", fn)
            if (line ~ /^typedef/) { fn = line; sub(/^[^*]*\*/, "", fn); sub(/\).*/, "", fn) }
            else sub(/.*[ *]/, "", fn)
            if (prev !~ /\*\/[ \t]*$/)
                print NR ": " fn
        }
        if (line ~ /\*\//) in_c = 0
        prev = line
    }' "$HEADER")
if [ -n "$undoc" ]; then
    echo "FAIL: $NAME: functions of $(basename "$HEADER") without a comment of their own:"
    echo "$undoc" | sed 's/^/  /'
    FAILED=1
fi
n_decl=$(grep -c -E '^[a-z].*lr_tui_[a-z0-9_]+\)?\(' "$HEADER")
if [ "$n_decl" -lt 20 ]; then
    echo "FAIL: $NAME: only $n_decl declarations found in $HEADER"
    FAILED=1
fi

[ "$FAILED" -eq 0 ] || exit 1
echo "$NAME: $n_syms global names prefixed, $n_decl public functions documented"
exit 0
