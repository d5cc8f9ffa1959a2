#!/usr/bin/env bash
# End-to-end test of rapport.html in a real browser: a night on the survey
# fixture and a month of monitoring data, then headless Chromium renders the
# page: the rendered DOM must hold the key numbers of the CSV tables (computed
# here from the CSV files), the screenshot must be a PNG of the asked size and
# far from blank, and printing must give a PDF of several pages.
# Exit 77 (skipped) only when chromium is not installed (scripts/install-deps
# installs it with the test dependencies).
# usage: run_html.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (scripts/install-deps installs it)"
    exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-html.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Headless Chromium as the machine allows it: no sandbox (root), no GPU, no
# network of its own, a fresh profile each time; bounded in time.
browse() {
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" \
        "$@" 2>>"$TMP/chromium.log"
}

png_size() { # "WIDTHxHEIGHT" from the IHDR of a PNG file, or nothing
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || return 1
    echo "$((16#$(od -An -tx1 -j16 -N4 "$1" | tr -d ' \n')))x$((16#$(od -An -tx1 -j20 -N4 "$1" | tr -d ' \n')))"
}

mkdir -p "$TMP/inbox"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"
find "$E2E/monitoring/night1" -maxdepth 1 -type f ! -name 'koplopers_*' -exec cp {} "$TMP/inbox/" \;
check "kpm run exits 0 on the survey and monitoring fixtures" \
    kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state"
HTML=$TMP/out/rapport.html
check "rapport.html is written" test -s "$HTML"
check "rapport.html loads nothing from elsewhere (no script, src, link, url(), @import)" \
    bash -c "! grep -Eiq '<script|<link|src=|url\\(|@import|href=\"(https?:)?//' '$HTML'"

# The numbers a reader looks for, taken from the CSV files.
R1=$(awk -F, '$1 == 2021 && $2 == "1" { sub(/\./, ",", $5); print $5 "%" }' "$TMP/out/respons.csv")
N_LIKERT=$(awk -F, '$1 == 2020 && $2 == "alle" && $4 == "aanmeldprocedure" { print $6 + $7 + $8 + $9 }' \
    "$TMP/out/likert.csv")
GEM=$(awk -F, '$1 == 2020 && $2 == "alle" && $4 == "aanmeldprocedure" { sub(/\./, ",", $12); print $12 }' \
    "$TMP/out/likert.csv")
BEST=$(awk -F, '$1 == 2021 && $2 == "alle" && $3 == "scholing" { sub(/\./, ",", $5); print $5 "%" }' \
    "$TMP/out/besteding.csv")
# Usage in 2021-01 of koploper gemeenten: gebruik rows of that month whose
# gemeente gebruik_jaar marks koploper=ja, nieuwe_vragen summed.
KOP=$(awk -F, 'FNR == 1 { next } FILENAME ~ /gebruik_jaar/ { if ($2 == "gemeente" && $4 == "ja") k[$3] = 1; next }
    $2 == "2021-01" && ($1 in k) { s += $4 } END { print s + 0 }' "$TMP/out/gebruik_jaar.csv" "$TMP/out/gebruik.csv")
OTH=$(awk -F, 'FNR == 1 { next } FILENAME ~ /gebruik_jaar/ { if ($2 == "gemeente" && $4 == "ja") k[$3] = 1; next }
    $2 == "2021-01" && !($1 in k) && $4 != "" { s += $4 } END { print s + 0 }' "$TMP/out/gebruik_jaar.csv" "$TMP/out/gebruik.csv")
echo "from the CSV files: respons 2021 tranche 1 = $R1, likert n = $N_LIKERT (gem. $GEM)," \
    "scholing 2021 = $BEST, nieuwe vragen 2021-01 = $KOP koploper / $OTH other"

browse --dump-dom "file://$HTML" >"$TMP/dom.html"
check "Chromium renders the page (DOM dumped)" grep -q '</html>' "$TMP/dom.html"
check "the DOM shows the response of tranche 1 in 2021 ($R1)" \
    grep -q "<tr><td>1</td><td class=\"num\">[0-9]*</td><td class=\"num\">[0-9]*</td><td class=\"num\">$R1</td></tr>" "$TMP/dom.html"
check "the DOM shows n = $N_LIKERT on the Likert bar of aanmeldprocedure 2020" \
    grep -q ">n = $N_LIKERT</text>" "$TMP/dom.html"
check "the DOM shows its mean ($GEM)" grep -q "gem. $GEM" "$TMP/dom.html"
check "the DOM names suppressed tranches" grep -q "onderdrukt (minder antwoorden dan de drempel)" "$TMP/dom.html"
check "the DOM shows the spending on scholing in 2021 ($BEST)" grep -q ">$BEST<" "$TMP/dom.html"
check "the DOM shows usage in 2021-01: $KOP koploper, $OTH other gemeenten" \
    grep -q "<tr><td>2021-01</td><td class=\"num\">$KOP</td><td class=\"num\">$OTH</td>" "$TMP/dom.html"
# One chart per (meting, item) of likert.csv and keuze.csv, per meting of
# besteding.csv, and the usage chart.
CHARTS=$(awk -F, 'FNR > 1 && FILENAME ~ /likert/ { c[$1 "|" $4] = 1 } FNR > 1 && FILENAME ~ /keuze/ { c[$1 "|" $3] = 1 }
    FNR > 1 && FILENAME ~ /besteding/ { c[$1] = 1 } END { print length(c) + 1 }' \
    "$TMP/out/likert.csv" "$TMP/out/keuze.csv" "$TMP/out/besteding.csv")
check "the DOM holds one chart per Likert and choice item, spending split and usage ($CHARTS)" \
    test "$(grep -o '<svg ' "$TMP/dom.html" | wc -l)" = "$CHARTS"

browse --window-size=1200,3000 --screenshot="$TMP/shot.png" "file://$HTML" >/dev/null
printf '<!DOCTYPE html><html><body></body></html>' >"$TMP/blank.html"
browse --window-size=1200,3000 --screenshot="$TMP/blank.png" "file://$TMP/blank.html" >/dev/null
SHOT=$(stat -c %s "$TMP/shot.png" 2>/dev/null || echo 0)
BLANK=$(stat -c %s "$TMP/blank.png" 2>/dev/null || echo 0)
echo "screenshot: $(png_size "$TMP/shot.png") $SHOT bytes; blank page: $BLANK bytes"
check "the screenshot is a 1200x3000 PNG" test "$(png_size "$TMP/shot.png")" = 1200x3000
check "the screenshot is over 100 KB and over 5 times a blank page's" \
    test "$SHOT" -gt 102400 -a "$SHOT" -gt $((5 * BLANK)) -a "$BLANK" -gt 0

browse --no-pdf-header-footer --print-to-pdf="$TMP/print.pdf" "file://$HTML" >/dev/null
PAGES=$(grep -ao '/Count [0-9]*' "$TMP/print.pdf" 2>/dev/null | head -n 1 | cut -d' ' -f2)
echo "printed: ${PAGES:-0} pages"
check "printing gives a PDF of several A4 pages" test "${PAGES:-0}" -ge 3

# The same inbox on a fresh state gives the same bytes (no date in the page).
mkdir -p "$TMP/b/inbox"
cp "$E2E"/survey/inbox/* "$TMP/b/inbox/"
find "$E2E/monitoring/night1" -maxdepth 1 -type f ! -name 'koplopers_*' -exec cp {} "$TMP/b/inbox/" \;
check "a second run on a fresh state exits 0" kpm_night "$TMP/b/inbox" "$TMP/b/out" "$TMP/b/state"
check "rapport.html is byte-identical across runs" same_file "$HTML" "$TMP/b/out/rapport.html"

[ "$E2E_FAILS" = 0 ] || { echo "--- chromium's messages"; tail -n 20 "$TMP/chromium.log"; }
e2e_finish
