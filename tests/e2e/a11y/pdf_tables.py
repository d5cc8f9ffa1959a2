#!/usr/bin/env python3
"""Check that printing kept every table and every figure whole on one page.

Tables: per table of the report (rapport.md names each caption and its rows,
with the same numbers as rapport.html), the page of the PDF with its caption
must also hold its last row, after the caption and before the next caption on
that page, with the row's last cell (a table wider than the page loses it).

Figures (when rapport.html is given; rapport.md has no charts): per <figure>
of rapport.html, the page with its caption ("Figuur c.k ...") must also hold,
after the caption, in order, every text the figure shows: the chart's labels,
values and legend (the SVG's <text> elements, without their tooltips) and the
note below it, so its last element too. The number of figures found whole
must equal the number of figures in rapport.html.

usage: pdf_tables.py RAPPORT.md PRINT.pdf [RAPPORT.html]   (pdftotext from poppler-utils)
exit 1 and the broken tables and figures when one is split or missing
"""
import html
import html.parser
import re
import subprocess
import sys

CAPTION = re.compile(r"(Tabel|Figuur) [0-9]+\.[0-9]+ ")


def tables(md):
    """(number, first words of the last row's first cell, of its last cell) per table."""
    out, cur, last = [], None, None
    for line in open(md, encoding="utf-8").read().split("\n") + [""]:
        m = re.match(r"\*\*Tabel ([0-9]+\.[0-9]+)\*\*", line)
        if m:
            cur, last = m.group(1), None
        elif cur and line.startswith("|") and not line.startswith("|---"):
            last = line
        elif cur and last and not line.startswith("|"):
            cells = [c.replace("**", "").replace("\\", "").strip() for c in last.split("|")[1:-1]]
            out.append((cur, " ".join(cells[0].split()[:3]), " ".join(cells[-1].split()[:3])))
            cur, last = None, None
    return out


class Figures(html.parser.HTMLParser):
    """Per <figure>: its number and the texts it shows, in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures = []  # (number, [texts])
        self.cur = None  # texts of the open figure
        self.where = []  # open elements inside the figure that hold text
        self.buf = ""

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self.cur, self.where = [], []
        elif self.cur is not None and tag in ("figcaption", "text", "title", "p"):
            if tag != "title" and not self.where:
                self.buf = ""
            self.where.append(tag)

    def handle_endtag(self, tag):
        if self.cur is None:
            return
        if tag == "figure":
            m = re.match(r"Figuur ([0-9]+\.[0-9]+) ", self.cur[0] if self.cur else "")
            self.figures.append((m.group(1) if m else "?", self.cur))
            self.cur = None
        elif self.where and self.where[-1] == tag:
            self.where.pop()
            if tag != "title" and not self.where and self.buf.strip():
                self.cur.append(" ".join(self.buf.split()))

    def handle_data(self, data):
        if self.cur is not None and self.where and "title" not in self.where:
            self.buf += data


def squeeze(s):
    """Without white space: pdftotext breaks and joins words its own way."""
    return "".join(s.split())


def figures(page_text, path):
    """Problems with the figures of rapport.html in the pages' text, and the count found whole."""
    p = Figures()
    p.feed(open(path, encoding="utf-8").read())
    bad, whole = [], 0
    for number, texts in p.figures:
        cap = "Figuur " + number + " "
        where = [i for i, t in enumerate(page_text) if cap in t]
        if not where:
            bad.append("Figuur %s: caption not found in the PDF" % number)
            continue
        t = page_text[where[0]]
        seg = t[t.index(cap) + len(cap):]
        nxt = CAPTION.search(seg)
        seg = squeeze(seg[:nxt.start()] if nxt else seg)
        pos, missing = 0, None
        for s in texts[1:]:  # texts[0] is the caption
            at = seg.find(squeeze(s), pos)
            if at < 0:
                missing = s
                break
            pos = at + len(squeeze(s))
        if missing is not None:
            bad.append("Figuur %s: '%s' (of %d texts, the last '%s') is not on page %d with its caption"
                       % (number, missing, len(texts) - 1, texts[-1], where[0] + 1))
            continue
        whole += 1
    if whole != len(p.figures):
        bad.append("%d figures in %s, %d whole on one page of the PDF" % (len(p.figures), path, whole))
    print("%d figures, %d whole on one page" % (len(p.figures), whole))
    return bad, len(p.figures)


def norm(s):
    return " ".join(s.split())


def main():
    md, pdf = sys.argv[1], sys.argv[2]
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = [norm(subprocess.run(["pdftotext", "-raw", "-f", str(p), "-l", str(p), pdf, "-"],
                                capture_output=True, text=True, check=True).stdout) for p in range(1, pages + 1)]
    bad, found = [], 0
    for number, last, last_cell in tables(md):
        cap = "Tabel " + number + " "
        where = [p for p, t in enumerate(text) if cap in t]
        if not where:
            bad.append("Tabel %s: caption not found in the PDF" % number)
            continue
        found += 1
        t = text[where[0]]
        seg = t[t.index(cap) + len(cap):]
        nxt = CAPTION.search(seg)
        if nxt:
            seg = seg[:nxt.start()]
        if norm(last) not in seg:
            bad.append("Tabel %s: its last row ('%s') is not on page %d with its caption" % (number, last, where[0] + 1))
        elif squeeze(last_cell) not in squeeze(seg[seg.index(norm(last)):]):
            bad.append("Tabel %s: the last cell of its last row ('%s') is not on page %d: cut off at the side?"
                       % (number, last_cell, where[0] + 1))
    n_fig = None
    if len(sys.argv) > 3:
        fig_bad, n_fig = figures(text, sys.argv[3])
        bad += fig_bad
    for b in bad:
        print(b)
    print("%d pages, %d tables, %d whole on one page" % (pages, len(tables(md)), found - len([b for b in bad if b.startswith("Tabel")])))
    return 1 if bad or found == 0 or n_fig == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
