#!/usr/bin/env python3
"""Check that a report shows no code of the catalogue where a person reads.

The visible text of each file (rapport.md as it is; rapport.html with style
blocks and tags removed and entities decoded, the charts' tooltips included),
less the open answers quoted (the respondents' own words),
must hold:
- no item code and no answer code of the catalogue as a word, except a code
  that is an ordinary word of the catalogue's own Dutch texts (questions, theme
  names, labels: 'masterclass', 'verankerd'), which is looked for only as the
  whole text of a table cell;
- no table cell that is exactly an answer code ('ja', 'nvt', 'te_vroeg');
- no group code ('tranche-2', 'alle' as a cell) and no reject code ('INVALID_VALUE').

usage: no_codes.py VRAGENLIJST ANTWOORDEN REPORT...   exit 1 and the hits when found
"""
import csv
import html
import re
import sys


def visible_text(path):
    text = open(path, encoding="utf-8").read()
    if not path.endswith(".html"):  # the open answers (quotes) are the respondents' own words
        text = re.sub(r"(?m)^>.*$", " ", text)
        return text, re.findall(r"\|([^|\n]*)(?=\|)", text)
    text = re.sub(r"(?is)<style.*?</style>|<blockquote.*?</blockquote>", " ", text)
    cells = [html.unescape(re.sub(r"<[^>]*>", "", c)) for c in re.findall(r"(?is)<t[dh][^>]*>(.*?)</t[dh]>", text)]
    text = re.sub(r"<[^>]*>", " ", text)
    return html.unescape(text), cells


def main():
    vragen, antwoorden, reports = sys.argv[1], sys.argv[2], sys.argv[3:]
    items = list(csv.DictReader(open(vragen, encoding="utf-8"), delimiter=";"))
    answers = list(csv.DictReader(open(antwoorden, encoding="utf-8"), delimiter=";"))
    prose = " ".join([i["vraag"] + " " + i["thema_naam"] for i in items] + [a["label"] for a in answers]).lower()
    prose_words = set(re.findall(r"[\w-]+", prose))
    item_codes = {i["item"] for i in items}
    answer_codes = {a["code"] for a in answers if not a["code"].isdigit()}
    for i in items:
        answer_codes.update(v for v in i["waarden"].split("|") if v)
    codes = item_codes | answer_codes
    word_codes = sorted(c for c in codes if "_" in c or c.lower() not in prose_words)
    hits = []
    for path in reports:
        text, cells = visible_text(path)
        for code in word_codes:
            for m in re.finditer(r"(?<![\w-])" + re.escape(code) + r"(?![\w-])", text):
                hits.append("%s: code '%s' in '%s'" % (path, code, text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")))
        for cell in cells:
            c = cell.strip().strip("*").strip()
            if c in codes or c == "alle" or re.fullmatch(r"tranche-\d+", c):
                hits.append("%s: a table cell is the code '%s'" % (path, c))
        for m in re.finditer(r"\btranche-\d+|\b[A-Z]{3,}_[A-Z_]{3,}\b", text):
            hits.append("%s: code '%s' in '%s'" % (path, m.group(0), text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")))
    for h in hits[:30]:
        print(h)
    print("checked %d codes (%d as words) in %d reports: %d hits" % (len(codes), len(word_codes), len(reports), len(hits)))
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
