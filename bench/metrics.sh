#!/bin/sh
# bench/metrics.sh: instructions per PDU the module spends on the SMPP
# thread with the metrics sink, against the same module without it, counted
# by callgrind in one run (see docs/performance.md).
#
# Builds bench/bench_metrics.c against the module's objects, runs it under
# callgrind with the sink off and on, each twice (N1 and N2 submit_sm +
# submit_sm_resp pairs), and reports (Ir(N2) - Ir(N1)) / (2 (N2 - N1)) of
# run_loop() for each, so set-up and first-call costs cancel out.
#
# Environment: CC (default cc), BENCH_CFLAGS (default -O2 -g), N1/N2
# (default 2000/4000 pairs), OUT (default bench-out); run from the build
# directory after make.
set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CC=${CC:-cc}
BENCH_CFLAGS=${BENCH_CFLAGS:--O2 -g}
N1=${N1:-2000}
N2=${N2:-4000}
OUT=${OUT:-bench-out}

die() { echo "bench-metrics: $*" >&2; exit 1; }
command -v valgrind >/dev/null 2>&1 || die "valgrind is missing: apt-get install valgrind"
# MODULE_OBJS and BENCH_LIBS come from make bench-metrics (the module's
# objects and every library configure found for it).
MODULE_OBJS=${MODULE_OBJS:?run through make bench-metrics}
BENCH_LIBS=${BENCH_LIBS-}
for o in $MODULE_OBJS; do
    [ -f "$o" ] || die "$o not found: run make first"
done
mkdir -p "$OUT"
# shellcheck disable=SC2086
$CC -std=gnu11 -D_GNU_SOURCE $BENCH_CFLAGS -I"$TOP/include" -I"$TOP/tests/unit" -o "$OUT/bench_metrics" \
    "$TOP/bench/bench_metrics.c" $MODULE_OBJS $BENCH_LIBS -pthread ||
    die "cannot build bench_metrics"

loop_ir() {
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
        awk '$0 ~ /:run_loop \[/ { gsub(",", "", $1); print $1; exit }'
}

for arm in off on db; do
    for n in "$N1" "$N2"; do
        echo "== callgrind: metrics $arm, $n pairs"
        valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.metrics.$arm.$n" \
            "$OUT/bench_metrics" "$arm" "$n" 2>"$OUT/valgrind.metrics.$arm.$n.log" ||
            die "bench_metrics $arm $n failed: see $OUT/valgrind.metrics.$arm.$n.log"
    done
done
per_pdu() {
    a=$(loop_ir "$OUT/callgrind.metrics.$1.$N1")
    b=$(loop_ir "$OUT/callgrind.metrics.$1.$N2")
    [ -n "$a" ] && [ -n "$b" ] || die "no run_loop cost in the callgrind output ($1)"
    awk -v a="$a" -v b="$b" -v n1="$N1" -v n2="$N2" 'BEGIN { printf "%.0f", (b - a) / (2 * (n2 - n1)) }'
}
off=$(per_pdu off)
on=$(per_pdu on)
db=$(per_pdu db)
{
    echo "instructions per PDU on the SMPP thread (submit_sm and submit_sm_resp alternating, pdu log on):"
    echo "  module without <metrics>:   $off"
    echo "  module with <metrics>:      $on"
    awk -v a="$off" -v b="$on" 'BEGIN { printf "  the metrics sink:           %d (%.1f %% of the module without it)\n", b - a, 100 * (b - a) / a }'
    echo "  module with <database> (SQLite): $db"
    awk -v a="$off" -v b="$db" 'BEGIN { printf "  the database tap:           %d (%.1f %% of the module without it)\n", b - a, 100 * (b - a) / a }'
} | tee "$OUT/result.metrics.txt"
