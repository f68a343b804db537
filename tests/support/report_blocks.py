"""The versions of lvmscan's text report, in the order it lists them: a
list of (seqno, lines), lines being what is indented under the version's
line (copies, change, LVs, "as in seqno N"), stripped. Used by
tests/scan/long-history.sh and restore-again.sh."""
import re


def version_blocks(text):
    blocks, cur = [], None
    for line in text.splitlines():
        m = re.match(r"^ {4}\s*(\d+)  \d{4}-", line)
        if m:
            cur = []
            blocks.append((int(m.group(1)), cur))
        elif cur is not None and line.startswith("            "):
            cur.append(line.strip())
        elif not line.startswith(" "):
            cur = None
    return blocks
