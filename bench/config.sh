#!/bin/bash
# bench/config.sh: how the time to load a configuration grows with its size
# (see docs/performance.md).
#
# Generates files of 1,000, 10,000 and 100,000 users and the largest file
# the loader accepts (EMG_CONFIG_MAX_SIZE, 4 MiB, as many users as fit),
# each user one line `<user system-id="u0000001"/>` under one <users>, next
# to a <logs> and an incoming <connector>.  Times `emgdiag-check --config`
# on each (the loader the boxes run: parsing, schema validation, the
# loader's own checks) and, as a baseline in the same run, `xmllint
# --noout` (libxml2 parsing the same file and nothing else).  Prints, as it
# goes, each file's best wall time and CPU time of RUNS runs, the time per
# user and the ratio to the baseline, then the growth from each size to
# the next: loading that is linear in the file's size takes about the same
# time per user at every size, so the time grows by the same factor as the
# number of users.
#
# Environment: EMGDIAG_CHECK (default tools/emgdiag-check), XMLLINT
# (default xmllint; the baseline is left out when missing), RUNS (default
# 5), OUT (default bench-out/config: the generated files and result.txt).
set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
EMGDIAG_CHECK=${EMGDIAG_CHECK:-tools/emgdiag-check}
XMLLINT=${XMLLINT:-xmllint}
RUNS=${RUNS:-5}
OUT=${OUT:-bench-out/config}
MAX_OCTETS=4194304 # EMG_CONFIG_MAX_SIZE in module/config.h

die() { echo "bench-config: $*" >&2; exit 1; }

[ -x "$EMGDIAG_CHECK" ] || die "$EMGDIAG_CHECK not found: run make tools/emgdiag-check first"
grep -q "EMG_CONFIG_MAX_SIZE (4u \* 1024u \* 1024u)" "$TOP/module/config.h" ||
    die "module/config.h changed EMG_CONFIG_MAX_SIZE: update MAX_OCTETS here"
command -v "$XMLLINT" >/dev/null 2>&1 || { echo "bench-config: $XMLLINT missing: no baseline column"; XMLLINT=; }
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
RESULT=$OUT/result.txt

# gen FILE USERS: USERS users; USERS "max" fills the file up to MAX_OCTETS.
# Prints the number of users written.
gen() {
    awk -v file="$1" -v users="$2" -v max="$MAX_OCTETS" -v dir="$OUT/logs" 'BEGIN {
        head = "<emgdiag>\n  <logs dir=\"" dir "\"/>\n" \
               "  <connector name=\"smpp-in\" type=\"incoming\" opensmppbox-id=\"osb\"/>\n" \
               "  <users default=\"allow\">\n"
        tail = "  </users>\n</emgdiag>\n"
        line = 29 # length of <user system-id="u0000001"/> and its newline
        if (users == "max")
            users = int((max - length(head) - length(tail)) / line)
        printf "%s", head > file
        for (k = 1; k <= users; k++)
            printf "<user system-id=\"u%07d\"/>\n", k > file
        printf "%s", tail > file
        close(file)
        print users
    }'
}

# best_time CMD...: runs CMD RUNS times (its output discarded; it must
# exit 0) and prints the best wall time and the best CPU time (user +
# system), in seconds.
best_time() {
    local k t wall cpu best_wall= best_cpu=
    for ((k = 0; k < RUNS; k++)); do
        t=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null 2>"$OUT/last.err"; } 2>&1 ) ||
            die "failed: $* ($(head -n 1 "$OUT/last.err"))"
        wall=${t%% *}
        cpu=$(echo "$t" | awk '{ printf "%.3f", $2 + $3 }')
        if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$wall
        fi
        if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
            best_cpu=$cpu
        fi
    done
    echo "$best_wall $best_cpu"
}

names=(users-1k users-10k users-100k users-4MiB)
sizes=(1000 10000 100000 max)
declare -a USERS WALL CPU BASE

echo "bench-config: $EMGDIAG_CHECK --config FILE, best of $RUNS runs each; baseline: ${XMLLINT:-none} --noout FILE" | tee "$RESULT"
for i in "${!names[@]}"; do
    f=$OUT/${names[$i]}.xml
    printf 'generating %s ... ' "${names[$i]}.xml"
    USERS[$i]=$(gen "$f" "${sizes[$i]}")
    octets=$(wc -c <"$f")
    [ "$octets" -le "$MAX_OCTETS" ] || die "$f: $octets octets, more than $MAX_OCTETS"
    printf '%d users, %d octets; timing ... ' "${USERS[$i]}" "$octets"
    t=$(best_time "$EMGDIAG_CHECK" --config "$f")
    WALL[$i]=${t%% *} CPU[$i]=${t##* }
    BASE[$i]=-
    if [ -n "$XMLLINT" ]; then
        t=$(best_time "$XMLLINT" --noout "$f")
        BASE[$i]=${t%% *}
    fi
    echo done
    awk -v n="${names[$i]}" -v u="${USERS[$i]}" -v o="$octets" -v w="${WALL[$i]}" -v c="${CPU[$i]}" \
        -v b="${BASE[$i]}" 'BEGIN {
        printf "%-11s %6d users %7d octets: wall %6.3f s, CPU %6.3f s; per user %6.2f us wall, %6.2f us CPU",
               n, u, o, w, c, 1e6 * w / u, 1e6 * c / u
        if (b != "-" && b > 0) printf "; xmllint --noout %6.3f s wall (x%.1f)", b, w / b
        printf "\n" }' | tee -a "$RESULT"
done

echo "growth (linear: the time grows as the users do; the 1k file is mostly process start):" | tee -a "$RESULT"
for ((i = 1; i < ${#names[@]}; i++)); do
    awk -v a="${names[$((i - 1))]}" -v b="${names[$i]}" -v ua="${USERS[$((i - 1))]}" -v ub="${USERS[$i]}" \
        -v wa="${WALL[$((i - 1))]}" -v wb="${WALL[$i]}" -v ca="${CPU[$((i - 1))]}" -v cb="${CPU[$i]}" 'BEGIN {
        rw = wa > 0 ? sprintf("x%.2f", wb / wa) : "(too fast to time)"
        rc = ca > 0 ? sprintf("x%.2f", cb / ca) : "(too fast to time)"
        printf "  %-10s -> %-10s users x%.2f: wall time %s, CPU time %s\n", a, b, ub / ua, rw, rc
    }' | tee -a "$RESULT"
done
echo "bench-config: figures in $RESULT"
