#!/usr/bin/env python3
"""Check that every fenced block of an EXPECTED.md whose info string is TAG
(```TAG ... ```) appears in a report as consecutive lines, exactly: a table
computed by hand, with its numbered caption, against rapport.md.

usage: md_blocks.py EXPECTED.md TAG RAPPORT.md
exit 0: every block found (and there is at least one); 1: a block is missing
(printed with the report's closest line) or there is none
"""
import sys


def blocks(path, tag):
    out, cur = [], None
    for line in open(path, encoding="utf-8").read().split("\n"):
        if cur is None and line.strip() == "```" + tag:
            cur = []
        elif cur is not None and line.strip() == "```":
            out.append(cur)
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def main():
    expected, tag, report = sys.argv[1:4]
    lines = open(report, encoding="utf-8").read().split("\n")
    want = blocks(expected, tag)
    missing = 0
    for b in want:
        n = len(b)
        if any(lines[i:i + n] == b for i in range(len(lines) - n + 1)):
            continue
        missing += 1
        print("missing from %s:\n  %s" % (report, "\n  ".join(b)))
        at = [i for i, l in enumerate(lines) if l == b[0]]
        if at:
            print("the report has instead:\n  %s" % "\n  ".join(lines[at[0]:at[0] + n]))
    print("%d blocks '%s', %d found" % (len(want), tag, len(want) - missing))
    return 1 if missing or not want else 0


if __name__ == "__main__":
    sys.exit(main())
