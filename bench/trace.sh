#!/bin/sh
# bench/trace.sh: emgdiag-trace answering one id against `grep -F ID` over
# the same files, on a generated day of message logs (docs/performance.md,
# "emgdiag-trace against grep").
#
# Generates N messages (default 1,000,000) with bench/gen_messages.pl into
# OUT (default bench-out/trace; kept between runs, never committed), reads
# the files once so both sides find them in the page cache, then for a
# client id and for an SMSC id takes the best of REPEAT (default 5) wall
# times of each side and prints the ratio.  Exits 1 when a ratio is above
# LIMIT (default 2) or emgdiag-trace did not find the whole message.
#
# Environment: EMGDIAG_TRACE (default tools/emgdiag-trace), N, OUT, REPEAT,
# LIMIT.
set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
TRACE=${EMGDIAG_TRACE:-tools/emgdiag-trace}
N=${N:-1000000}
OUT=${OUT:-bench-out/trace}
REPEAT=${REPEAT:-5}
LIMIT=${LIMIT:-2}

die() { echo "bench-trace: $*" >&2; exit 1; }
[ -x "$TRACE" ] || die "$TRACE not found: run make first"

if [ ! -s "$OUT/ids.$N" ]; then
    echo "generating $N messages into $OUT (once)"
    perl "$TOP/bench/gen_messages.pl" "$N" "$OUT" >"$OUT.ids.tmp"
    mkdir -p "$OUT"
    mv "$OUT.ids.tmp" "$OUT/ids.$N"
fi
FILES="$OUT/osb/message.osb $OUT/bb/message.bearerbox"
cat $FILES >/dev/null
CLIENT=$(sed -n 's/^client=\([^ ]*\) .*/\1/p' "$OUT/ids.$N")
SMSC=$(sed -n 's/.* smsc=\([0-9]*\)$/\1/p' "$OUT/ids.$N")
echo "files: $(du -ch $FILES | tail -n 1 | cut -f1) ($N messages)"

# best CMD...: the best wall time of REPEAT runs, in seconds.
best() {
    b=
    i=0
    while [ "$i" -lt "$REPEAT" ]; do
        s=$(date +%s.%N)
        "$@" >/dev/null
        e=$(date +%s.%N)
        b=$(echo "$s $e ${b:-}" | awk '{ t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3 }')
        i=$((i + 1))
    done
    echo "$b"
}

rc=0
for kind in client smsc; do
    if [ $kind = client ]; then id=$CLIENT; else id=$SMSC; fi
    steps=$("$TRACE" -d "$OUT/osb" -d "$OUT/bb" "$id" | grep -c '^  ') || true
    [ "$steps" = 6 ] || { echo "emgdiag-trace found $steps steps for $kind id $id, expected 6" >&2; rc=1; }
    g=$(best grep -F "$id" $FILES)
    t=$(best "$TRACE" -d "$OUT/osb" -d "$OUT/bb" "$id")
    ratio=$(echo "$t $g" | awk '{ printf "%.2f", $1 / $2 }')
    printf '%-6s id %-36s  grep -F %6.3f s  emgdiag-trace %6.3f s  ratio %s\n' "$kind" "$id" "$g" "$t" "$ratio"
    if awk -v r="$ratio" -v l="$LIMIT" 'BEGIN { exit !(r > l) }'; then
        echo "ratio above $LIMIT" >&2
        rc=1
    fi
done
exit $rc
