#!/bin/sh
# `cmake --install` into a scratch prefix installs what users of the
# ecosystem expect: the docs (lvmscan-json.md among them) under the doc
# dir, man pages, lrcore.pc (a program built with `pkg-config --cflags
# --libs lrcore` links and runs; --define-prefix as the prefix is a scratch one), and bash completions for the four
# programs, each naming every long option its program's --help names.
# usage: install.sh BUILD_DIR [CFLAGS] (CFLAGS: the sanitizer flags of a
# sanitized build, which the program built on lrcore needs too)
set -u
B=$1
X=${2:-}
T=$(mktemp -d /tmp/lr-install.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() { echo "FAILED: install: $*" >&2; exit 1; }
cmake --install "$B" --prefix "$T/p" >"$T/log" 2>&1 || { cat "$T/log"; fail "cmake --install"; }
for f in share/doc/lvmrescue/lvmscan-json.md share/doc/lvmrescue/lvmrepair.md \
         share/doc/lvmrescue/limits.md share/man/man1/lvmscan.1 share/man/man8/lvmrepair.8; do
    [ -f "$T/p/$f" ] || fail "$f not installed"
done
pc=$(find "$T/p" -name lrcore.pc | head -1)
[ -n "$pc" ] || fail "lrcore.pc not installed"
if command -v pkg-config >/dev/null 2>&1 && command -v cc >/dev/null 2>&1; then
    export PKG_CONFIG_PATH=$(dirname "$pc")
    cat >"$T/t.c" <<'C'
#include <stdio.h>
#include <lr/crc.h>
int main(void) { printf("%08x\n", (unsigned)lr_crc(0, "x", 1)); return 0; }
C
    # shellcheck disable=SC2046,SC2086
    cc $X -o "$T/t" "$T/t.c" $(pkg-config --define-prefix --cflags --static --libs lrcore) 2>"$T/cc" ||
        { cat "$T/cc"; fail "a program built with pkg-config lrcore does not link"; }
    LD_LIBRARY_PATH=$(pkg-config --define-prefix --variable=libdir lrcore) "$T/t" >/dev/null || fail "the program linked against lrcore does not run"
fi
for p in lvmscan lvmrepair lvmtui mlvm; do
    c="$T/p/share/bash-completion/completions/$p"
    [ -f "$c" ] || fail "completion for $p not installed"
    bash -n "$c" || fail "completion for $p does not parse"
    # options of other programs the help quotes ('lvmrepair --apply-undo') aside
    for o in $("$T/p/bin/$p" --help 2>&1 | sed -E 's/(lvmscan|lvmrepair|lvmtui|mlvm) --[a-z-]+//g' |
               grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        grep -q -- "$o" "$c" || fail "completion for $p lacks $o"
    done
    "$T/p/bin/$p" --version | grep -qx "$p (lvmrescue) [0-9.]*" ||
        fail "$p --version is not '$p (lvmrescue) VERSION'"
done
echo "install: docs, lrcore.pc, completions and --version as documented"
