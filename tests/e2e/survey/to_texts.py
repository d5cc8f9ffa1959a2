#!/usr/bin/env python3
"""Rewrite uitvraag files as a survey tool exports them: every choice and Likert
answer written as the questionnaire's text (config/antwoorden-2021.csv) instead
of its code, in varying case and spacing. Other cells, rows that are not
well-formed and the line breaks inside quoted cells stay as they were, so the
rewritten inbox must give the same tables and the same rejects.

usage: to_texts.py VRAGENLIJST ANTWOORDEN FILE...   (files rewritten in place)
"""
import csv
import io
import sys


def main():
    vragen, antwoorden, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    types = {r["item"]: r["type"] for r in csv.DictReader(open(vragen, encoding="utf-8"), delimiter=";")}
    labels = {}
    for r in csv.DictReader(open(antwoorden, encoding="utf-8"), delimiter=";"):
        labels.setdefault(r["item"], {})[r["code"]] = r["label"]
    for it, ty in types.items():
        if ty in ("likert", "likert_nvt"):
            labels[it] = dict(labels.get("*likert", {}))
            if ty == "likert_nvt":
                labels[it].update(labels.get("*likert_nvt", {}))
    changed = 0
    for path in files:
        raw = open(path, encoding="utf-8-sig", newline="").read()
        delim = ";" if raw.split("\n", 1)[0].count(";") > raw.split("\n", 1)[0].count(",") else ","
        rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=delim))
        head = [h.strip().lower() for h in rows[0]]
        for k, row in enumerate(rows[1:]):
            if len(row) != len(head):
                continue
            for c, name in enumerate(head):
                lab = labels.get(name, {}).get(row[c].strip().lower())
                if lab is None:
                    continue
                row[c] = ["  " + lab.upper() + " ", lab.lower(), lab][k % 3]
                changed += 1
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=delim, lineterminator="\n").writerows(rows)
        open(path, "w", encoding="utf-8", newline="").write(out.getvalue())
    print(changed)


if __name__ == "__main__":
    main()
