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

# The numbers a reader looks for, taken from the CSV files and written the way
# the report writes them: whole percentages, a decimal comma, a '.' between
# thousands.
NL='function nl(v,  s, o) { s = sprintf("%d", v); o = ""; while (length(s) > 3) { o = "." substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } return s o }
    function pct(v) { return sprintf("%d%%", int(v + 0.5)) }
    function dec(v) { sub(/\./, ",", v); return v }'
R1=$(awk -F, "$NL"'$1 == 2021 && $2 == "1" { print nl($4) " (" pct($5) ")" }' "$TMP/out/respons.csv")
N_LIKERT=$(awk -F, '$1 == 2020 && $2 == "alle" && $4 == "aanmeldprocedure" { print $6 + $7 + $8 + $9 }' \
    "$TMP/out/likert.csv")
GEM=$(awk -F, "$NL"'$1 == 2020 && $2 == "alle" && $4 == "aanmeldprocedure" { print dec($12) }' \
    "$TMP/out/likert.csv")
BEST=$(awk -F, "$NL"'$1 == 2021 && $2 == "alle" && $3 == "scholing" { print pct($5) }' \
    "$TMP/out/besteding.csv")
# Usage in 2021-01 of koploper gemeenten: gebruik rows of that month whose
# gemeente gebruik_jaar marks koploper=ja, nieuwe_vragen summed.
KOP=$(awk -F, "$NL"'FNR == 1 { next } FILENAME ~ /gebruik_jaar/ { if ($2 == "gemeente" && $4 == "ja") k[$3] = 1; next }
    $2 == "2021-01" && ($1 in k) { s += $4 } END { print nl(s) }' "$TMP/out/gebruik_jaar.csv" "$TMP/out/gebruik.csv")
OTH=$(awk -F, "$NL"'FNR == 1 { next } FILENAME ~ /gebruik_jaar/ { if ($2 == "gemeente" && $4 == "ja") k[$3] = 1; next }
    $2 == "2021-01" && !($1 in k) && $4 != "" { s += $4 } END { print nl(s) }' "$TMP/out/gebruik_jaar.csv" "$TMP/out/gebruik.csv")
echo "from the CSV files: respons 2021 tranche 1 = $R1, likert n = $N_LIKERT (gem. $GEM)," \
    "scholing 2021 = $BEST, nieuwe vragen 2021-01 = $KOP koploper / $OTH other"

browse --dump-dom "file://$HTML" >"$TMP/dom.html"
check "Chromium renders the page (DOM dumped)" grep -q '</html>' "$TMP/dom.html"
check "the DOM shows the response of tranche 1 in 2021 ($R1)" \
    grep -qF "<tr><td>Tranche 1</td><td class=\"num\">6</td><td class=\"num\">$R1</td></tr>" "$TMP/dom.html"
check "the theme table of 2020 shows n valid ($N_LIKERT) and the mean ($GEM) of aanmeldprocedure" \
    grep -qF "<td class=\"num\">$N_LIKERT</td><td class=\"num\">$GEM</td></tr>" "$TMP/dom.html"
check "the theme chart shows n = $N_LIKERT" grep -q ">n = $N_LIKERT</text>" "$TMP/dom.html"
check "the DOM names groups below the threshold" grep -qF "onderdrukt (n &lt; 5)" "$TMP/dom.html"
check "the DOM shows the spending on scholing in 2021 ($BEST)" grep -q ">$BEST<" "$TMP/dom.html"
check "the DOM shows usage in januari 2021: $KOP koploper, $OTH other gemeenten" \
    grep -qF "<tr><td>januari 2021</td><td class=\"num\">$KOP</td><td class=\"num\">$OTH</td>" "$TMP/dom.html"

# Comparisons: per comparison of vergelijking.csv (in file order) a heading
# that names both sides in labels; a forest plot unless every row is
# suppressed; significant rows in bold. The CSV's names hold no comma.
VERG=$TMP/out/vergelijking.csv
label() { case $1 in alle) echo "Alle koplopers" ;; tranche-*) echo "Tranche ${1#tranche-}" ;; *) echo "${1^}" ;; esac; }
awk -F, 'NR > 1 && !($1 in seen) { seen[$1] = 1; order[++n] = $1; line[$1] = $3 "\t" $5 "\t" $4 "\t" $9 "\t" $8 }
    NR > 1 { rows[$1]++; if ($18 != "ja") shown[$1]++; if ($17 == "ja" && $18 != "ja") sig[$1]++ }
    END { for (i = 1; i <= n; i++) print order[i] "\t" line[order[i]] "\t" shown[order[i]] + 0 "\t" sig[order[i]] + 0 }' \
    "$VERG" >"$TMP/comparisons.tsv"
N_CMP=$(wc -l <"$TMP/comparisons.tsv")
N_FOREST=$(awk -F'\t' '$7 > 0' "$TMP/comparisons.tsv" | wc -l)
N_SIG=$(awk -F'\t' '{ s += $8 } END { print s + 0 }' "$TMP/comparisons.tsv")
echo "from vergelijking.csv: $N_CMP comparisons, $N_FOREST with figures, $N_SIG significant rows"
check "vergelijking.csv holds comparisons to show (the fixture's configuration)" test "$N_CMP" -gt 0
check "the DOM has a chapter Vergelijkingen" grep -q '<h2>[0-9]* Vergelijkingen</h2>' "$TMP/dom.html"
while IFS=$'\t' read -r name type ga ma gb mb shown sig; do
    extra=""; [ "$type" = gepaard ] && extra=" (dezelfde koplopers)"
    check "comparison '$name' has the heading $(label "$ga") ($ma) tegenover $(label "$gb") ($mb)$extra" \
        grep -qF "<h3>$(label "$ga") ($ma) tegenover $(label "$gb") ($mb)$extra</h3>" "$TMP/dom.html"
done <"$TMP/comparisons.tsv"
check "one forest plot per comparison with figures ($N_FOREST)" \
    test "$(grep -c '<figcaption>Figuur [0-9.]* Verschil in procentpunten' "$TMP/dom.html")" = "$N_FOREST"
check "significant rows are bold ($N_SIG)" \
    test "$(sed -n '/<section id="vergelijkingen">/,/<\/section>/p' "$TMP/dom.html" | grep -c '<tr class="sterk">')" = "$N_SIG"
# The first row with a p-value, as its table row must read.
CMP_ROW=$(awk -F, "$NL"'function pts(v, sign) { sign = v + 0 > 0 ? "+" : ""; return sign dec(v) }
    NR > 1 && $16 != "" {
        t = $15 == "chi2" ? "chi-kwadraat" : $15 == "fisher" ? "Fisher (exact)" : "McNemar (exact)"
        p = $16 + 0 < 0.00005 ? "&lt; 0,0001" : dec($16)
        printf "<td class=\"num\">%s (n = %s)</td><td class=\"num\">%s (n = %s)</td>", pct($7), $6, pct($11), $10
        printf "<td class=\"num\">%s (%s tot %s)</td><td>%s</td><td class=\"num\">%s%s</td></tr>\n", pts($12), pts($13), pts($14), t, p, $17 == "ja" ? " *" : ""
        exit
    }' "$VERG")
echo "first compared row: ${CMP_ROW:-none}"
check "the DOM shows the first compared row's shares, difference, interval, test and p-value" \
    grep -qF "${CMP_ROW:-no row}" "$TMP/dom.html"
# Satisfied shares: the first published 2020 share of tevredenheid.csv with
# its Wilson interval and n.
TEV=$(awk -F, "$NL"'NR > 1 && $1 == 2020 && $10 == "nee" && $6 != "" {
    printf "%s%s (%d–%s), n = %s\n", pct($6), $9 == "ja" ? "†" : "", int($7 + 0.5), pct($8), $4; exit }' \
    "$TMP/out/tevredenheid.csv")
echo "first satisfied share of 2020: $TEV"
check "the DOM's table of satisfied shares shows it with its interval and n" \
    grep -qF "<td class=\"num\">${TEV:-no share}</td>" "$TMP/dom.html"

# One chart per theme with satisfaction questions and meting (likert.csv), every
# figure numbered with its caption and drawn.
THEMES=$(awk -F, 'NR > 1 { c[$1 "|" $3] = 1 } END { print length(c) }' "$TMP/out/likert.csv")
check "one satisfaction chart per theme and meting ($THEMES)" \
    test "$(grep -c '<figcaption>Figuur [0-9.]* Tevredenheid — ' "$TMP/dom.html")" = "$THEMES"
check "every figure has its chart" \
    test "$(grep -c '<figcaption>Figuur ' "$TMP/dom.html")" = "$(grep -o '<svg ' "$TMP/dom.html" | wc -l)"
check "every table has a numbered caption" \
    test "$(grep -c '<caption>Tabel [0-9]*\.[0-9]* ' "$TMP/dom.html")" = "$(grep -c '<table>' "$TMP/dom.html")"

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
