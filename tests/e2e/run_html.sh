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

# Comparisons: per comparison of vergelijking.csv (in file order) a part with
# its name, type and sides in the heading; a forest plot unless every row is
# suppressed; the verdict on significance. The CSV's names hold no comma.
VERG=$TMP/out/vergelijking.csv
block() { # the DOM from the element with id $1 to the first line matching $2
    awk -v id="id=\"$1\"" -v stop="$2" 'index($0, id) { on = 1 } on { print } on && index($0, stop) { exit }' "$TMP/dom.html"
}
label() { case $1 in alle) echo "Alle koplopers" ;; tranche-*) echo "Tranche ${1#tranche-}" ;; *) echo "$1" ;; esac; }
awk -F, 'NR > 1 && !($1 in seen) { seen[$1] = 1; order[++n] = $1; line[$1] = $3 "\t" $5 "\t" $4 "\t" $9 "\t" $8 }
    NR > 1 { rows[$1]++; if ($18 != "ja") shown[$1]++; if ($17 == "ja") sig[$1]++ }
    END { for (i = 1; i <= n; i++) print order[i] "\t" line[order[i]] "\t" shown[order[i]] + 0 "\t" sig[order[i]] + 0 }' \
    "$VERG" >"$TMP/comparisons.tsv"
N_CMP=$(wc -l <"$TMP/comparisons.tsv")
N_FOREST=$(awk -F'\t' '$7 > 0' "$TMP/comparisons.tsv" | wc -l)
echo "from vergelijking.csv: $N_CMP comparisons, $N_FOREST with figures"
check "vergelijking.csv holds comparisons to show (the fixture's configuration)" test "$N_CMP" -gt 0
check "the DOM has a section Vergelijkingen" grep -q '<h2>Vergelijkingen</h2>' "$TMP/dom.html"
i=0
while IFS=$'\t' read -r name type ga ma gb mb shown sig; do
    i=$((i + 1))
    block "vergelijking-$i" '</div>' >"$TMP/cmp-$i.html"
    head_line="<h3>$name<span class=\"kop\">$type: $(label "$ga") ($ma) tegenover $(label "$gb") ($mb)</span></h3>"
    check "comparison $i has the heading '$name' ($type, $ga $ma against $gb $mb)" grep -qF "$head_line" "$TMP/cmp-$i.html"
    if [ "$shown" = 0 ]; then
        check "comparison $i is shown as suppressed, without a chart" \
            bash -c "grep -q 'Onderdrukt: ' '$TMP/cmp-$i.html' && ! grep -q '<svg ' '$TMP/cmp-$i.html'"
    elif [ "$sig" = 0 ]; then
        check "comparison $i has a forest plot and says that nothing is significant" \
            bash -c "grep -q '<svg ' '$TMP/cmp-$i.html' && grep -qF 'Er zijn geen verschillen van betekenis (p &lt; 0,05) gevonden.' '$TMP/cmp-$i.html'"
    else
        check "comparison $i has a forest plot and marks its $sig significant rows" \
            bash -c "grep -q '<svg ' '$TMP/cmp-$i.html' && test \$(grep -c '<tr class=\"sig\">' '$TMP/cmp-$i.html') = $sig"
    fi
done <"$TMP/comparisons.tsv"
# The first row with a p-value, as its table row must read: shares with n, the
# difference with sign and interval, the test, p with four decimals.
IFS=$'\t' read -r CMP_I CMP_ROW < <(awk -F, 'NR > 1 && !($1 in seen) { seen[$1] = ++n }
    function pts(v, sign) { sign = v + 0 > 0 ? "+" : ""; sub(/\./, ",", v); return sign v }
    function pct(v) { sub(/\./, ",", v); return v }
    NR > 1 && $16 != "" {
        t = $15 == "chi2" ? "chi-kwadraat" : $15 == "fisher" ? "Fisher (exact)" : "McNemar (exact)"
        p = $16 + 0 < 0.00005 ? "&lt; 0,0001" : pct($16)
        printf "%d\t(%s)</span></td><td class=\"num\">%s%%<span class=\"sub\">n = %s</span></td>", seen[$1], $2, pct($7), $6
        printf "<td class=\"num\">%s%%<span class=\"sub\">n = %s</span></td>", pct($11), $10
        printf "<td class=\"num\">%s<span class=\"sub\">%s tot %s</span></td>", pts($12), pts($13), pts($14)
        printf "<td>%s</td><td class=\"num\">%s%s</td></tr>\n", t, p, $17 == "ja" ? " *" : ""
        exit
    }' "$VERG")
echo "first compared row (comparison ${CMP_I:-none}): ${CMP_ROW:-none}"
check "the DOM shows the first compared row's shares, difference, interval, test and p-value" \
    grep -qF "${CMP_ROW:-no row}" "$TMP/cmp-${CMP_I:-0}.html"
# Satisfied shares: the first published 2020 share of tevredenheid.csv with
# its Wilson interval and n in the table of 2020.
TEV=$(awk -F, 'NR > 1 && $1 == 2020 && $10 == "nee" && $6 != "" {
    for (k = 6; k <= 8; k++) sub(/\./, ",", $k)
    printf "%s%%%s<span class=\"sub\">%s–%s</span><span class=\"sub\">n = %s</span>\n", $6, $9 == "ja" ? "<sup>†</sup>" : "", $7, $8, $4
    exit }' "$TMP/out/tevredenheid.csv")
echo "first satisfied share of 2020: $TEV"
block tevredenheid-2020 '</table>' >"$TMP/tevredenheid-2020.html"
check "the DOM's table of satisfied shares of 2020 shows it with its interval and n" \
    grep -qF "${TEV:-no share}" "$TMP/tevredenheid-2020.html"

# One chart per (meting, item) of likert.csv and keuze.csv, per meting of
# besteding.csv, the usage chart, and a forest plot per comparison with figures.
CHARTS=$(awk -F, 'FNR > 1 && FILENAME ~ /likert/ { c[$1 "|" $4] = 1 } FNR > 1 && FILENAME ~ /keuze/ { c[$1 "|" $3] = 1 }
    FNR > 1 && FILENAME ~ /besteding/ { c[$1] = 1 } END { print length(c) + 1 }' \
    "$TMP/out/likert.csv" "$TMP/out/keuze.csv" "$TMP/out/besteding.csv")
CHARTS=$((CHARTS + N_FOREST))
check "the DOM holds one chart per Likert and choice item, spending split, usage and comparison ($CHARTS)" \
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
