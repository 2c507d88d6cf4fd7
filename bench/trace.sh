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
#
# Then emgdiag-trace --db of one id on a SQLite table of about 1,000,000
# messagelog rows (DB_N messages, default 170000, generated with their JSON
# twins into OUT/db and loaded with emgdiag-db load once; kept between
# runs), against the same trace reading every row (EMGDIAG_TRACE_DB_ALL,
# the read before the search by id) in the same run: the best of REPEAT
# (REPEAT_ALL, default 3, for the full read) wall times of each, their
# ratio, the rows each read (--db-stats).  Exits 1 when the outputs differ,
# differ from the file trace, or the ratio is above DB_LIMIT (default 0.1).
# DB_N=0 skips it.  EMGDIAG_DB (default tools/emgdiag-db): the loader.
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

# ---- emgdiag-trace --db: one id through the indexes against every row
DB_N=${DB_N:-170000}
DB_LIMIT=${DB_LIMIT:-0.1}
REPEAT_ALL=${REPEAT_ALL:-3}
DBTOOL=${EMGDIAG_DB:-tools/emgdiag-db}
[ "$DB_N" = 0 ] && exit $rc
[ -x "$DBTOOL" ] || die "$DBTOOL not found: run make first"
D=$OUT/db
if [ ! -s "$D/ids.$DB_N" ]; then
    echo "generating $DB_N messages with their twins into $D and loading them (once)"
    rm -rf "$D"
    perl "$TOP/bench/gen_messages.pl" "$DB_N" "$D" --twins >"$OUT.db.ids.tmp"
    "$DBTOOL" load "sqlite:$D/trace.db" --box opensmppbox --node bench "$D/osb/message.osb" >/dev/null
    "$DBTOOL" load "sqlite:$D/trace.db" --box bearerbox --node bench "$D/bb/message.bearerbox" >/dev/null
    mv "$OUT.db.ids.tmp" "$D/ids.$DB_N"
fi
cat "$D/trace.db" >/dev/null
URI=sqlite:$D/trace.db
echo "database: $(du -h "$D/trace.db" | cut -f1), $(sqlite3 "$D/trace.db" 'SELECT count(*) FROM messagelog') messagelog rows"
for kind in client smsc; do
    id=$(sed -n "s/.*$kind=\([^ ]*\).*/\1/p" "$D/ids.$DB_N")
    "$TRACE" -d "$D/osb" -d "$D/bb" "$id" >"$D/trace.files"
    "$TRACE" --db "$URI" --db-stats "$id" >"$D/trace.ix" 2>"$D/trace.ix.err"
    EMGDIAG_TRACE_DB_ALL=1 "$TRACE" --db "$URI" --db-stats "$id" >"$D/trace.all" 2>"$D/trace.all.err"
    if ! cmp -s "$D/trace.ix" "$D/trace.all" || ! cmp -s "$D/trace.ix" "$D/trace.files" ||
        [ "$(grep -c '^  ' "$D/trace.ix")" != 6 ]; then
        echo "emgdiag-trace --db of $kind id $id: the outputs differ or lack a step" >&2
        rc=1
    fi
    t=$(best "$TRACE" --db "$URI" "$id")
    a=$(export EMGDIAG_TRACE_DB_ALL=1 REPEAT="$REPEAT_ALL"; best "$TRACE" --db "$URI" "$id")
    ratio=$(echo "$t $a" | awk '{ printf "%.4f", $1 / $2 }')
    printf '%-6s id %-36s  --db %7.3f s (%s rows)  every row %7.3f s (%s rows)  ratio %s\n' "$kind" "$id" \
        "$t" "$(sed -nE 's/.* ([0-9]+) messagelog rows read/\1/p' "$D/trace.ix.err")" "$a" \
        "$(sed -nE 's/.* ([0-9]+) messagelog rows read/\1/p' "$D/trace.all.err")" "$ratio"
    if awk -v r="$ratio" -v l="$DB_LIMIT" 'BEGIN { exit !(r > l) }'; then
        echo "ratio above $DB_LIMIT" >&2
        rc=1
    fi
done
exit $rc
