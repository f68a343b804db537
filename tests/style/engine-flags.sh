#!/bin/sh
# Engines never name a command-line flag: refusals carry LR_HINT_* bits and
# each program words them (issue 10). Fails on any string literal that
# holds a long option ("--force", "--vg", ...) in the engine sources: core/,
# scan/src, repair/src, edit/src and tui/src (the TUI's view model). The
# programs (lvmscan.c, lvmrepair.c, mlvm.c, lvmtui.c and tui/words.c, the
# lvmtui text that names lvmrepair's options) live outside those folders.
# Comments are not checked.
root=${1:?usage: engine-flags.sh SOURCE_DIR}
status=0
for dir in core scan/src repair/src edit/src tui/src; do
    [ -d "$root/$dir" ] || continue
    files=$(find "$root/$dir" -name '*.[ch]' | sort)
    [ -n "$files" ] || continue
    # perl: drop comments, then print FILE:LINE: "literal" for each string
    # literal with "--" followed by a letter.
    out=$(perl -0777 -ne '
        my $src = $_;
        $src =~ s{/\*.*?\*/}{ my $c = $&; $c =~ tr/\n//cd; $c }gse;
        $src =~ s{//[^\n]*}{}g;
        while ($src =~ /"((?:[^"\\\n]|\\.)*)"/g) {
            my ($lit, $at) = ($1, $-[0]);
            next unless $lit =~ /(?:^|[^A-Za-z0-9-])--[A-Za-z]/;
            my $line = 1 + (substr($src, 0, $at) =~ tr/\n//);
            print "$ARGV:$line: \"$lit\"\n";
        }' $files) || exit 2
    if [ -n "$out" ]; then
        printf '%s\n' "$out"
        status=1
    fi
done
if [ "$status" -ne 0 ]; then
    echo "engine-flags: engine sources name command-line flags (use LR_HINT_* and let the program word it)"
fi
exit $status
