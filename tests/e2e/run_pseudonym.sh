#!/usr/bin/env bash
# End-to-end test of the adviser pseudonyms (docs/SECURITY.md): after a night on
# the sample inbox, no common hash of an adviser's name is anywhere in the state
# directory or the outputs (every file, kpm.sqlite and the checkpoint included),
# so a list of names cannot be matched against them; yet the adviser hours are
# right, and a second night on the same key gives the same outputs.
# The names tried: the sample's advisers and every first name x surname of a
# list made here (the sample's names among them), each as delivered, lower case,
# and trimmed; the hashes: FNV-1a 32 and 64 bits, md5, sha1, sha256, BLAKE2b
# without a key (several lengths, and over the name's FNV-1a as kpm keys it),
# in full and cut to 16 hex digits (a pseudonym's length).
# An archive file as kpm before keyed pseudonyms wrote it (with the FNV-1a of
# each name) is planted first: the night must scrub it.
# usage: run_pseudonym.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to compute the hashes"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-pseudo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
SAMPLE=$ROOT/samples/inbox/adviesinzet_2021.csv

mkdir -p "$TMP/inbox" "$TMP/state/archive/20200101T030000Z"
cp "$ROOT"/samples/inbox/* "$TMP/inbox/"

# Every candidate hash of every name, one per line (grep -F patterns), and the
# old-style archive file.
python3 - "$SAMPLE" "$TMP/patterns" "$TMP/state/archive/20200101T030000Z/adviesinzet_2020.csv" <<'EOF'
import csv, hashlib, sys
sample, out, old_archive = sys.argv[1:4]
rows = list(csv.DictReader(open(sample, encoding="utf-8"), delimiter=";"))
advisers = sorted({r["adviseur"] for r in rows})
first = ["Jan", "Piet", "Kees", "Henk", "Anna", "Maria", "Sanne", "Lisa", "Emma", "Sophie",
         "Daan", "Bram", "Lucas", "Thomas", "Ruben", "Floris", "Anouk", "Esther", "Gerda",
         "Charlotte", "Eva", "Fleur", "Joost", "Willem", "Marieke", "Ingrid", "Karin"]
last = ["de Vries", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
        "Mulder", "Kuipers", "Hoekstra", "Verbeek", "Timmer", "Lammers", "van Rooij",
        "van Dijk", "Bos", "Vos", "Peters", "Hendriks", "Dekker", "Brouwer"]
for a in advisers:
    f, _, l = a.partition(" ")
    first.append(f)
    last.append(l)
names = set(advisers) | {f"{f} {l}" for f in first for l in last}

def fnv(data, bits):
    h, prime, mask = (0xcbf29ce484222325, 0x100000001b3, 2**64 - 1) if bits == 64 else \
                     (0x811c9dc5, 0x01000193, 2**32 - 1)
    for b in data:
        h = ((h ^ b) * prime) & mask
    return h

pats = set()
for n in names:
    pats.add(n.lower())
    for v in {n, n.lower(), n.strip(), n.strip().lower(), n.upper()}:
        b = v.encode("utf-8")
        f64 = fnv(b, 64)
        pats.add("%016x" % f64)
        pats.add("%08x" % fnv(b, 32))
        digests = [hashlib.md5(b).hexdigest(), hashlib.sha1(b).hexdigest(),
                   hashlib.sha256(b).hexdigest(), hashlib.blake2b(b).hexdigest(),
                   hashlib.blake2b(f64.to_bytes(8, "big"), digest_size=16).hexdigest()]
        digests += [hashlib.blake2b(b, digest_size=s).hexdigest() for s in (8, 16, 32)]
        for d in digests:
            pats.add(d)
            pats.add(d[:16])
open(out, "w").write("\n".join(sorted(pats)) + "\n")

# As kpm wrote the archive before keyed pseudonyms: the FNV-1a 64 of each name.
with open(old_archive, "w", encoding="utf-8") as fp:
    fp.write("koploper_id;datum;adviseur;uren\n")
    for r in rows[:10]:
        h = "%016x" % fnv(r["adviseur"].strip().lower().encode("utf-8"), 64)
        fp.write(f"{r['koploper_id']};{r['datum']};{h};{r['uren']}\n")
print(f"{len(names)} names, {len(pats)} patterns", file=sys.stderr)
EOF

# The hours per koploper of the register by the contract's rules (hours a
# number > 0 and <= 24, with a decimal comma or point; the later row of a key
# koploper|datum|adviseur replaces the earlier, the name as one adviser however
# it is cased), with one decimal as adviesinzet.csv writes them.
expected_hours() {
    awk -F';' 'FILENAME ~ /koplopers/ { if (FNR > 1) reg[$1] = 1; next }
               FNR > 1 { u = $4; sub(/,/, ".", u)
                         if (u !~ /^[0-9]+([.][0-9]+)?$/ || u + 0 <= 0 || u + 0 > 24) next
                         n = tolower($3); gsub(/^ +| +$/, "", n); k = $1 "|" $2 "|" n
                         h[k] = u; kl[k] = $1 }
               END { for (k in h) if (kl[k] in reg) s[kl[k]] += h[k]
                     for (x in s) printf "%s,%.1f\n", x, s[x] }' \
        "$ROOT/samples/inbox/koplopers_2021.csv" "$SAMPLE" | sort
}
kpm_hours() { # out dir
    awk -F',' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
               $c["uren"] != "" && $c["uren"] + 0 > 0 { printf "%s,%.1f\n", $c["koploper_id"], $c["uren"] }' \
        "$1/adviesinzet.csv" | sort
}

# Files under the paths that hold any pattern (binary files too), or nothing.
hits() { grep -rlaiF -f "$TMP/patterns" "$@" 2>/dev/null; }

check "the planted old archive holds FNV-1a hashes of the names (the search finds them)" \
    test -n "$(hits "$TMP/state/archive")"
check "night 1: kpm run exits 0" kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state"
check "no name and no hash of a name in the state directory" test -z "$(hits "$TMP/state")"
check "no name and no hash of a name in the outputs" test -z "$(hits "$TMP/out")"
check "the old archive file lost its adviser column, kept its rows" \
    bash -c "head -1 '$TMP/state/archive/20200101T030000Z/adviesinzet_2020.csv' | grep -qx 'koploper_id;datum;uren' &&
             [ \$(wc -l <'$TMP/state/archive/20200101T030000Z/adviesinzet_2020.csv') = 11 ]"
check "the night's archive keeps adviesinzet without the adviser column" \
    bash -c "head -1 '$TMP'/state/archive/2*/adviesinzet_2021.csv | grep -qx 'koploper_id;datum;uren'"
key=$TMP/state/keys/pseudonym.key
check "the pseudonym key is 32 bytes, mode 0600, in a 0700 directory" \
    bash -c "[ \$(stat -c %s '$key') = 32 ] && [ \$(stat -c %a '$key') = 600 ] &&
             [ \$(stat -c %a '$TMP/state/keys') = 700 ]"
check "the sample has adviser hours (the comparison below is not empty)" test -n "$(expected_hours)"
check "adviser hours per koploper are the hand-computed ones" \
    diff <(expected_hours) <(kpm_hours "$TMP/out")

# The same inbox again, same key: the rows replace themselves, same outputs.
cp -r "$TMP/out" "$TMP/out1"
cp "$ROOT"/samples/inbox/* "$TMP/inbox/"
check "night 2 (the same files again): kpm run exits 0" kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state"
check "night 2: the same outputs (pseudonyms are stable under one key)" outputs_equal "$TMP/out1" "$TMP/out"
check "night 2: still no name or hash of a name anywhere" test -z "$(hits "$TMP/state" "$TMP/out")"

e2e_finish
