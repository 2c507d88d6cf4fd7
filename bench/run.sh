#!/bin/sh
# bench/run.sh: instructions per PDU of the emgdiag pdu log beside Kannel's
# own SMPP dump, counted by callgrind (see docs/performance.md).
#
# Builds bench/bench_pdu.c against module/libemgcore.a and the patched
# Kannel this project built, runs it under callgrind twice with different
# iteration counts, and reports (Ir(N2) - Ir(N1)) / (N2 - N1) for each
# side's loop, so set-up and first-call costs cancel out.
#
# Environment: KANNEL_BUILD (default kannel/build: its inst/ tree, else its
# src/ tree), CC (default cc), BENCH_CFLAGS (default -O2 -g), EMGCORE
# (default module/libemgcore.a), N1/N2 (emgdiag iterations, default
# 2000/4000; Kannel runs a tenth as many), OUT (default bench-out).
set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
KANNEL_BUILD=${KANNEL_BUILD:-$TOP/kannel/build}
CC=${CC:-cc}
BENCH_CFLAGS=${BENCH_CFLAGS:--O2 -g}
EMGCORE=${EMGCORE:-module/libemgcore.a}
N1=${N1:-2000}
N2=${N2:-4000}
OUT=${OUT:-bench-out}

die() { echo "bench: $*" >&2; exit 1; }

command -v valgrind >/dev/null 2>&1 || die "valgrind is missing: apt-get install valgrind"
command -v callgrind_annotate >/dev/null 2>&1 || die "callgrind_annotate is missing (package valgrind)"
[ -f "$EMGCORE" ] || die "$EMGCORE not found: run make first"

if [ -f "$KANNEL_BUILD/inst/lib/kannel/libgw.a" ]; then
    KINC=$KANNEL_BUILD/inst/include/kannel
    KLIB=$KANNEL_BUILD/inst/lib/kannel
elif [ -f "$KANNEL_BUILD/src/libgw.a" ]; then
    KINC=$KANNEL_BUILD/src
    KLIB=$KANNEL_BUILD/src
else
    die "no libgw.a under $KANNEL_BUILD/inst/lib/kannel or $KANNEL_BUILD/src: run make kannel first (or set KANNEL_BUILD)"
fi
XML2_CFLAGS=$(pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)

mkdir -p "$OUT"
# Kannel's headers are included as system headers: they are not ours and
# do not pass our warning flags.
# shellcheck disable=SC2086
$CC -std=gnu11 -D_GNU_SOURCE $BENCH_CFLAGS -Wall -Wextra -Wshadow -Wformat=2 \
    -Wstrict-prototypes -Wmissing-prototypes -Werror \
    -I"$TOP/module" -isystem "$KINC" $XML2_CFLAGS \
    -o "$OUT/bench_pdu" "$TOP/bench/bench_pdu.c" "$EMGCORE" \
    -L"$KLIB" -lgw -lwap -lgwlib -lssl -lcrypto -lrt -lresolv -lm -pthread -lxml2 -ldl

echo "== the PDU and both lines"
"$OUT/bench_pdu" --check 1 1 2>"$OUT/kannel_dump.txt"
sed -n 's/.*DEBUG: /kannel:  /p' "$OUT/kannel_dump.txt"

# Inclusive Ir of one loop function in a callgrind output file.
loop_ir() {
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
        awk -v fn="$2" '$0 ~ (":" fn " \\[") { gsub(",", "", $1); print $1; exit }'
}

run() {
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$1.out" \
        "$OUT/bench_pdu" "$1" "$(($1 / 10))" >/dev/null 2>"$OUT/valgrind.$1.log" ||
        { cat "$OUT/valgrind.$1.log" >&2; die "callgrind run with N=$1 failed"; }
}

echo "== callgrind, N=$N1 and N=$N2 (Kannel: N/10)"
run "$N1"
run "$N2"
e1=$(loop_ir "$OUT/callgrind.$N1.out" bench_emgdiag_loop)
e2=$(loop_ir "$OUT/callgrind.$N2.out" bench_emgdiag_loop)
k1=$(loop_ir "$OUT/callgrind.$N1.out" bench_kannel_loop)
k2=$(loop_ir "$OUT/callgrind.$N2.out" bench_kannel_loop)
[ -n "$e1" ] && [ -n "$e2" ] && [ -n "$k1" ] && [ -n "$k2" ] ||
    die "could not read the loop costs from callgrind's output"

awk -v e1="$e1" -v e2="$e2" -v k1="$k1" -v k2="$k2" -v n1="$N1" -v n2="$N2" 'BEGIN {
    emg = (e2 - e1) / (n2 - n1)
    kan = (k2 - k1) / ((n2 - n1) / 10)
    printf "emgdiag pdu_format_text (decode+format, no timestamp): %8.0f instructions/PDU\n", emg
    printf "Kannel smpp_pdu_unpack + smpp_pdu_dump_line:            %8.0f instructions/PDU\n", kan
    printf "ratio Kannel/emgdiag: %.1fx  (goal: emgdiag <= 2000, ratio >= 100x)\n", kan / emg
}' | tee "$OUT/result.txt"
