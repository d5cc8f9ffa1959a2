#!/usr/bin/env bash
# End-to-end test of what a reader gets: a night on the survey fixture and a
# month of monitoring data, then
# - no catalogue code (item or answer), group code or reject code in the visible
#   text of rapport.md and rapport.html (no_codes.py);
# - axe-core in headless Chromium finds no WCAG 2.1 A/AA violation in
#   rapport.html (a11y/axe.js: npm packages axe-core and puppeteer-core, put in a
#   cache directory on first use, driving the system's /usr/bin/chromium);
# - Chromium's print-to-PDF keeps every table whole on a page (a11y/pdf_tables.py,
#   pdftotext per page).
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

timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage \
    --user-data-dir="$TMP/profile" --no-pdf-header-footer --print-to-pdf="$TMP/print.pdf" \
    "file://$OUT/rapport.html" >/dev/null 2>"$TMP/chromium.log"
check "Chromium prints rapport.html to a PDF" test -s "$TMP/print.pdf"
check "every table of the printed report is whole on one page (caption and last row)" \
    python3 "$E2E/a11y/pdf_tables.py" "$OUT/rapport.md" "$TMP/print.pdf"

e2e_finish
