#!/usr/bin/env bash
# End-to-end test of what a reader gets: a night on the survey fixture and a
# month of monitoring data, then
# - no catalogue code (item or answer), group code or reject code in the visible
#   text of rapport.md and rapport.html (no_codes.py);
# - axe-core in headless Chromium finds no WCAG 2.1 A/AA violation in
#   rapport.html (a11y/axe.js: npm packages axe-core and puppeteer-core, put in a
#   cache directory on first use, driving the system's /usr/bin/chromium);
# - Chromium's print-to-PDF keeps every table and every figure whole on a page
#   (a11y/pdf_tables.py, pdftotext per page), and that check finds a split one
#   (two crafted copies of the page).
# Exit 77 (skipped) when chromium, node/npm, the npm packages or pdftotext
# cannot be had (scripts/install-deps installs the Debian ones).
# usage: run_a11y.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
CHROMIUM=$(command -v chromium || command -v chromium-browser) || skip "chromium is not installed"
command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm are not installed"
command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null || skip "pdftotext (poppler-utils) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
# The npm packages, once per machine, in a cache directory (no browser download:
# puppeteer-core brings none).
NODE_DIR=${KPM_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpm-node}
if [ ! -f "$NODE_DIR/node_modules/axe-core/axe.min.js" ] || [ ! -d "$NODE_DIR/node_modules/puppeteer-core" ]; then
    mkdir -p "$NODE_DIR" && PUPPETEER_SKIP_DOWNLOAD=1 timeout 300 npm install --prefix "$NODE_DIR" \
        --no-audit --no-fund --loglevel=error axe-core@4 puppeteer-core@24 >"$NODE_DIR/install.log" 2>&1 ||
        skip "npm could not install axe-core and puppeteer-core (see $NODE_DIR/install.log)"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-a11y.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/inbox"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"
find "$E2E/monitoring/night1" -maxdepth 1 -type f ! -name 'koplopers_*' -exec cp {} "$TMP/inbox/" \;
check "kpm run exits 0 on the survey and monitoring fixtures" \
    kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state"
OUT=$TMP/out

check "no catalogue, group or reject code in the visible text of rapport.md and rapport.html" \
    python3 "$E2E/no_codes.py" "$ROOT/config/vragenlijst-2021.csv" "$ROOT/config/antwoorden-2021.csv" \
    "$OUT/rapport.md" "$OUT/rapport.html"

check "axe-core finds no WCAG 2.1 A/AA violation in rapport.html" \
    env NODE_PATH="$NODE_DIR/node_modules" timeout 180 node "$E2E/a11y/axe.js" "$OUT/rapport.html" "$CHROMIUM"

print_pdf() { # page.html out.pdf
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage \
        --user-data-dir="$TMP/profile" --no-pdf-header-footer --print-to-pdf="$2" \
        "file://$1" >/dev/null 2>>"$TMP/chromium.log"
}
print_pdf "$OUT/rapport.html" "$TMP/print.pdf"
check "Chromium prints rapport.html to a PDF" test -s "$TMP/print.pdf"
check "every table and figure of the printed report is whole on one page (caption and last row; caption and every text of the chart, the note last), as many figures as rapport.html has" \
    python3 "$E2E/a11y/pdf_tables.py" "$OUT/rapport.md" "$TMP/print.pdf" "$OUT/rapport.html"

# The bundled sample inbox (46 koplopers in five tranches: wide and long tables)
# prints whole too, and passes axe.
mkdir -p "$TMP/sample/inbox" && cp "$ROOT"/samples/inbox/* "$TMP/sample/inbox/"
check "kpm run exits 0 on the sample inbox" \
    kpm_night "$TMP/sample/inbox" "$TMP/sample/out" "$TMP/sample/state"
check "axe-core finds no WCAG 2.1 A/AA violation in the sample's rapport.html" \
    env NODE_PATH="$NODE_DIR/node_modules" timeout 180 node "$E2E/a11y/axe.js" "$TMP/sample/out/rapport.html" "$CHROMIUM"
print_pdf "$TMP/sample/out/rapport.html" "$TMP/sample.pdf"
check "every table and figure of the sample's printed report is whole on one page, none cut off at the side" \
    python3 "$E2E/a11y/pdf_tables.py" "$TMP/sample/out/rapport.md" "$TMP/sample.pdf" "$TMP/sample/out/rapport.html"

# The print check itself, on crafted copies of the page: a forced page break
# between the last figure's caption and its chart, one before the last row of
# the first table with a total, and the sample's cells kept on one line (its
# widest tables then run off the page). Each must be found and named.
split_finds() { # python-edit what-it-must-say-after-the-name [output dir]
    local name dir=${3:-$OUT}
    name=$(python3 -c "$1" "$dir/rapport.html" "$TMP/split.html") || return 1
    rm -f "$TMP/split.pdf"
    print_pdf "$TMP/split.html" "$TMP/split.pdf"
    python3 "$E2E/a11y/pdf_tables.py" "$dir/rapport.md" "$TMP/split.pdf" "$TMP/split.html" >"$TMP/split.out"
    [ $? = 1 ] && grep -q "^$name: $2" "$TMP/split.out" || { echo "  $name"; cat "$TMP/split.out"; return 1; }
}
check "the print check finds a figure whose chart went to the next page (crafted)" split_finds '
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
m = list(re.finditer(r"<figcaption>(Figuur [0-9.]+) [^<]*</figcaption>", h))[-1]
open(sys.argv[2], "w", encoding="utf-8").write(h[:m.end()] + "<div style=\"break-before:page\"></div>" + h[m.end():])
print(m.group(1))' ".* is not on page [0-9]* with its caption"
check "the print check finds a table whose last row went to the next page (crafted)" split_finds '
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
i = h.index("<tr class=\"totaal\">")
open(sys.argv[2], "w", encoding="utf-8").write(h[:i] + "<tr class=\"totaal\" style=\"break-before:page\">" + h[i + 19:])
print(re.findall(r"<caption>(Tabel [0-9.]+) ", h[:i])[-1])' "its last row .* is not on page [0-9]* with its caption"
check "the print check finds a table cut off at the side of the page (crafted)" split_finds '
import sys
h = open(sys.argv[1], encoding="utf-8").read()
i = h.index("</style>")
open(sys.argv[2], "w", encoding="utf-8").write(h[:i] + "@media print{td{white-space:nowrap!important}}\n" + h[i:])
print("Tabel [0-9.]*")' "the last cell of its last row .* is not on page [0-9]*: cut off at the side" "$TMP/sample/out"

e2e_finish
