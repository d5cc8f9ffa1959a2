#!/usr/bin/env python3
"""Validates dashboard.json and dashboard/*.json of an output directory against
docs/dashboard.schema.json, and that every row of a table file holds one cell
per column, of the column's type. Exit 0 when all are valid, 1 with the
reasons, 77 when the jsonschema package (Debian python3-jsonschema) is missing.
usage: validate.py SCHEMA OUT_DIR"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed")
    sys.exit(77)

TYPES = {"integer": int, "decimal": (int, float), "text": str, "boolean": bool, "date": str}


def cells_ok(doc):
    errors = []
    cols = doc["kolommen"]
    for i, row in enumerate(doc["rijen"]):
        if len(row) != len(cols):
            errors.append(f"row {i + 1}: {len(row)} cells for {len(cols)} columns")
            continue
        for cell, col in zip(row, cols):
            want = TYPES[col["type"]]
            bad = cell is not None and (not isinstance(cell, want) or
                                        (col["type"] != "boolean" and isinstance(cell, bool)))
            if bad:
                errors.append(f"row {i + 1}, column {col['naam']}: {cell!r} is not {col['type']}")
    return errors


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    out = sys.argv[2]
    validator = jsonschema.Draft202012Validator(schema)
    files = ["dashboard.json"] + sorted(
        os.path.join("dashboard", f) for f in os.listdir(os.path.join(out, "dashboard")))
    failed = 0
    for name in files:
        doc = json.load(open(os.path.join(out, name), encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(doc)]
        if not errors and name != "dashboard.json":
            errors = cells_ok(doc)
        for e in errors[:5]:
            print(f"{name}: {e}")
        failed += bool(errors)
    print(f"{len(files)} files, {failed} invalid")
    return 1 if failed else 0


sys.exit(main())
