#!/usr/bin/env python3
"""Check that printing kept every table whole on one page: per table of the
report (rapport.md names each caption and its rows, with the same numbers as
rapport.html), the page of the PDF with its caption must also hold its last
row, after the caption and before the next caption on that page.

usage: pdf_tables.py RAPPORT.md PRINT.pdf   (pdftotext from poppler-utils)
exit 1 and the broken tables when one is split
"""
import re
import subprocess
import sys


def tables(md):
    """(number, first words of the last row's first cell) per table."""
    out, cur, last = [], None, None
    for line in open(md, encoding="utf-8").read().split("\n") + [""]:
        m = re.match(r"\*\*Tabel ([0-9]+\.[0-9]+)\*\*", line)
        if m:
            cur, last = m.group(1), None
        elif cur and line.startswith("|") and not line.startswith("|---"):
            last = line
        elif cur and last and not line.startswith("|"):
            cell = last.split("|")[1].replace("**", "").replace("\\", "").strip()
            out.append((cur, " ".join(cell.split()[:3])))
            cur, last = None, None
    return out


def norm(s):
    return " ".join(s.split())


def main():
    md, pdf = sys.argv[1], sys.argv[2]
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = [norm(subprocess.run(["pdftotext", "-raw", "-f", str(p), "-l", str(p), pdf, "-"],
                                capture_output=True, text=True, check=True).stdout) for p in range(1, pages + 1)]
    bad, found = [], 0
    for number, last in tables(md):
        cap = "Tabel " + number + " "
        where = [p for p, t in enumerate(text) if cap in t]
        if not where:
            bad.append("Tabel %s: caption not found in the PDF" % number)
            continue
        found += 1
        t = text[where[0]]
        seg = t[t.index(cap) + len(cap):]
        nxt = re.search(r"Tabel [0-9]+\.[0-9]+ ", seg)
        if nxt:
            seg = seg[:nxt.start()]
        if norm(last) not in seg:
            bad.append("Tabel %s: its last row ('%s') is not on page %d with its caption" % (number, last, where[0] + 1))
    for b in bad:
        print(b)
    print("%d pages, %d tables, %d whole on one page" % (pages, len(tables(md)), found - len([b for b in bad if "last row" in b])))
    return 1 if bad or found == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
