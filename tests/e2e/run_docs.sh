#!/usr/bin/env bash
# The docs list what the code defines, so they cannot drift:
# - every reject code of common/reject_codes.h is in docs/OUTPUTS.md's reject
#   table and in docs/INPUT-RULES.md, and the table lists no code that is gone;
# - every record kind of common/wire.h has its section "### N `name`" in
#   docs/PROTOCOL-RECORDS.md, with the fields of its layout in common/wire.c in
#   order, and no section names a kind that is gone;
# - the wire version in wire.h's comment and in PROTOCOL-RECORDS.md is WIRE_VERSION.
# usage: run_docs.sh SOURCE_DIR
ROOT=$(cd "$1" && pwd)
E2E=$ROOT/tests/e2e
. "$E2E/lib.sh"
CODES=$ROOT/common/reject_codes.h WIRE_H=$ROOT/common/wire.h WIRE_C=$ROOT/common/wire.c
OUTPUTS=$ROOT/docs/OUTPUTS.md INPUT=$ROOT/docs/INPUT-RULES.md RECORDS=$ROOT/docs/PROTOCOL-RECORDS.md

# ---- reject codes ----
codes=$(sed -n 's/^#define REJ_[A-Z0-9_]* "\([A-Z0-9_]*\)".*/\1/p' "$CODES")
check "reject_codes.h defines codes" test "$(wc -w <<<"$codes")" -ge 10
for c in $codes; do
    check "reject code $c is in OUTPUTS.md's reject table" grep -qF "| \`$c\` |" "$OUTPUTS"
    check "reject code $c is in INPUT-RULES.md" grep -qF "\`$c\`" "$INPUT"
done
for c in $(sed -n 's/^| `\([A-Z0-9_]*\)` | .*/\1/p' "$OUTPUTS"); do
    check "OUTPUTS.md's code $c is defined in reject_codes.h" grep -qx "$c" <<<"$codes"
done

# ---- record kinds ----
# "name number" for each WIRE_REC_NAME = number, the name in lower case.
kinds=$(sed -n 's/^ *WIRE_REC_\([A-Z0-9_]*\) = \([0-9]*\),.*/\1 \2/p' "$WIRE_H" | tr 'A-Z' 'a-z')
check "wire.h defines record kinds" test "$(wc -l <<<"$kinds")" -ge 10
# The field names of a record's layout in wire.c, one per line.
layout_fields() { # name
    awk -v n="$1" '
        $0 ~ "^static const layout_t layout_" n " = " { on = 1 }
        on { s = s $0 }
        on && /};/ { on = 0 }
        END {
            while (match(s, /(SCALAR|LIST)\(F_[A-Z0-9]+, [a-z0-9_]+, [a-z0-9_]+|STR\([a-z0-9_]+, [a-z0-9_]+/)) {
                f = substr(s, RSTART, RLENGTH); sub(/.*, /, "", f); print f
                s = substr(s, RSTART + RLENGTH)
            }
        }' "$WIRE_C"
}
# The field names of a record's section in PROTOCOL-RECORDS.md, one per line.
doc_fields() { # number name
    awk -v h="### $1 \`$2\`" '
        index($0, h) == 1 { on = 1; next }
        on && /^#/ { on = 0 }
        on && /^\| [1-9][0-9]* \|/ { split($0, c, "|"); f = c[3]; gsub(/ /, "", f); print f }' "$RECORDS"
}
while read -r name num; do
    check "record kind $num $name has its section in PROTOCOL-RECORDS.md" \
        grep -q "^### $num \`$name\`" "$RECORDS"
    lf=$(layout_fields "$name")
    check "wire.c has the layout of $name" test -n "$lf"
    check "PROTOCOL-RECORDS.md lists the fields of $name as wire.c does ($(echo $lf))" \
        test "$lf" = "$(doc_fields "$num" "$name")"
done <<<"$kinds"
while read -r num name; do
    check "PROTOCOL-RECORDS.md's section $num $name is a kind of wire.h" grep -qx "$name $num" <<<"$kinds"
done < <(sed -n 's/^### \([0-9]*\) `\([a-z0-9_]*\)`.*/\1 \2/p' "$RECORDS")

# ---- wire version ----
v=$(sed -n 's/^#define WIRE_VERSION \([0-9]*\).*/\1/p' "$WIRE_H")
check "wire.h defines WIRE_VERSION" test -n "$v"
check "wire.h's comment names version $v" grep -q "^/\* wire.h - kpm's wire format, version $v:" "$WIRE_H"
check "wire.h's comments name no other version" \
    bash -c "! grep -oE '(wire format|[Vv]ersion) [0-9]+' '$WIRE_H' | grep -vE ' $v\$'"
check "PROTOCOL-RECORDS.md's title names version $v" grep -q "^# Wire format version $v:" "$RECORDS"
check "PROTOCOL-RECORDS.md's header table says version $v" \
    grep -qE "^\| 0 \| version \| uint +\| \`uint32_t\` \| $v;" "$RECORDS"

e2e_finish
