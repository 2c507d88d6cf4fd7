#!/bin/bash
# bench/live.sh: the live cost of the module, as throughput of the patched
# bearerbox with the module against the same bearerbox without it.
#
# Each run starts a fresh chain on 127.0.0.1 (free ports only) and pushes
# one fixed job through it:
#   injector (Perl HTTP::Tiny, LIVE_CONNECTIONS keep-alive connections in
#        |    parallel, LIVE_MESSAGES sendsms GET requests in all, each
#        |    connection sending its next request when the previous one
#        |    has been answered)
#   smsbox (Kannel's own, from the patched tree; no module in either arm)
#        |
#   bearerbox (patched, the same binary in both arms; "with": hook-module =
#        |     emgdiag.so with a normal configuration: format="emg",
#        |     pdu-log="on", so the pdu log and the connector log of its SMSC
#        |     connector are written; "without": no hook-module line)
#   bench/fast_smsc.pl (an SMSC that answers every PDU at once)
# The SMSC stamps each submit_sm as it arrives; a run's rate is
# (N - 1) / (time of the N-th submit_sm - time of the first), so every
# message crossed both boxes and start-up is not counted.  Runs alternate
# (with, without, with, ...) so that drift in the machine hits both arms
# alike.  The script prints every run, then each arm's median and spread
# (min..max) in messages per second, the ratio of the medians, the median
# of the ratios of each with-run to the without-run right after it, and
# bearerbox's CPU time per message (user + system, all its threads, from
# the first request to the last submit_sm) per arm, and in the arm with the
# module the part of it spent by the module's log writer thread (named
# emgdiag-writer).  bearerbox logs at
# log-level 1 (its debug level would write several lines per message and
# hide the module's cost); smsbox, part of the injector, at 2, since at 1
# it writes three INFO lines per request.
#
# Environment: BEARERBOX, EMGDIAG_SO, TOP (as for make check-integration;
# OPENSMPPBOX is accepted and not used); SMSBOX (default: the smsbox next
# to BEARERBOX); LIVE_MESSAGES (N, default 20000), LIVE_CONNECTIONS
# (default 8), LIVE_RUNS (runs per arm, default 11); LIVE_METRICS=1 also
# gives the "with" arm the metrics sink (<metrics listen>, docs/metrics.md)
# and scrapes it once a second with curl during the run (the last scrape
# must count N submit_sm); the "without" arm runs the same scraper against
# a port where nothing listens, so that curl's own cost weighs on both.
# LIVE_DB=sqlite also gives the "with" arm the database sink
# (<database type="sqlite">, docs/database.md) writing into the run's
# directory; the run fails unless the pdulog table holds exactly N submit_sm
# rows within 30 s of the last submit_sm; each run reports how long after
# the last submit_sm that was, and the emgdiag-db thread's CPU until then
# (needs the sqlite3 shell).  LIVE_DB=pgsql does the same with the
# PostgreSQL sink: a PostgreSQL 15 server started for the whole script in
# the scratch directory (tests/integration/db_servers.sh: initdb as an
# unprivileged user, a unix socket only), each run writing as its own
# node; the server shares the machine's CPUs with the traffic, so the
# ratio counts its work too, while the database thread's CPU is what
# bearerbox itself pays when the server is elsewhere.
# LIVE_PERF=DIR records bearerbox with `perf record -e cpu-clock -g` from
# the first request to the last submit_sm of every run, into
# DIR/ARM-K.data (for `perf report`; it adds its own cost to both arms);
# LIVE_PERF_OPTS replaces its default options `-F 2000 -g` (e.g.
# `-F 500 --call-graph dwarf` where bearerbox has no frame pointers).  The whole script stays
# under five minutes (it gives up past LIVE_BUDGET seconds, default 280).
# Needs perl with HTTP::Tiny (perl-modules).  Exits non-zero when a run
# fails; IT_KEEP=1 keeps the scratch directory with every log.
. "${TOP:?set TOP to the emgdiag source tree}/tests/integration/lib.sh"

: "${BEARERBOX:?set BEARERBOX to the patched bearerbox}"
: "${EMGDIAG_SO:?set EMGDIAG_SO to emgdiag.so}"
SMSBOX=${SMSBOX:-$(dirname "$BEARERBOX")/smsbox}
N=${LIVE_MESSAGES:-20000}
CONNECTIONS=${LIVE_CONNECTIONS:-8}
RUNS=${LIVE_RUNS:-11}
BUDGET=${LIVE_BUDGET:-280}

for prog in "$BEARERBOX" "$SMSBOX"; do
    [ -x "$prog" ] || { echo "live.sh: $prog is not an executable" >&2; exit 2; }
done
[ -r "$EMGDIAG_SO" ] || { echo "live.sh: cannot read $EMGDIAG_SO" >&2; exit 2; }
perl -MHTTP::Tiny -e 1 2>/dev/null || { echo "live.sh: perl's HTTP::Tiny is missing" >&2; exit 2; }
case "${LIVE_DB:-}" in
"") ;;
sqlite)
    command -v sqlite3 >/dev/null || { echo "live.sh: LIVE_DB=sqlite needs the sqlite3 shell" >&2; exit 2; } ;;
pgsql)
    . "$TOP/tests/integration/db_servers.sh" # PG_BIN, pg_init, pg_start, pg_psql
    [ -x "$PG_BIN/postgres" ] && command -v psql >/dev/null ||
        { echo "live.sh: LIVE_DB=pgsql needs PostgreSQL 15 (postgresql-15) and psql" >&2; exit 2; } ;;
*)
    echo "live.sh: LIVE_DB must be sqlite or pgsql (got $LIVE_DB)" >&2
    exit 2
    ;;
esac
if ! [ "$N" -ge 2 ] 2>/dev/null || ! [ "$CONNECTIONS" -ge 1 ] 2>/dev/null \
    || ! [ "$RUNS" -ge 1 ] 2>/dev/null; then
    echo "live.sh: need LIVE_MESSAGES >= 2, LIVE_CONNECTIONS >= 1, LIVE_RUNS >= 1" >&2
    exit 2
fi

it_init bench_live
CLK_TCK=$(getconf CLK_TCK)
if [ "${LIVE_DB:-}" = pgsql ]; then
    db_user || { echo "live.sh: LIVE_DB=pgsql: no unprivileged user for the server" >&2; exit 2; }
    PG_PASSWORD="bench-$RANDOM-$RANDOM"
    pg_init "$IT_DIR/pg" "$PG_PASSWORD" || { echo "live.sh: initdb failed" >&2; exit 1; }
    pg_start pg "$IT_DIR/pg" || exit 1
    export PGPASSWORD=$PG_PASSWORD
    PG_DB=postgres pg_psql -c 'CREATE DATABASE emg' || exit 1
    printf '%s\n' "$PG_PASSWORD" >"$IT_DIR/db-password"
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# The injector: CONNECTIONS forked workers share COUNT requests to URL;
# each keeps one HTTP/1.1 connection open.  smsbox answers 202 when
# bearerbox has taken the message.  Exits non-zero if any request failed.
# On TERM it stops its own workers, by PID.
cat >"$IT_DIR/inject.pl" <<'PERL'
use strict;
use warnings;
use HTTP::Tiny;
my ($url, $count, $connections) = @ARGV;
my @workers;
$SIG{TERM} = sub { kill 'TERM', @workers; exit 143 };
for my $w (0 .. $connections - 1) {
    my $share = int($count / $connections) + ($w < $count % $connections ? 1 : 0);
    my $pid = fork;
    die "inject.pl: fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        $SIG{TERM} = 'DEFAULT';
        my $http = HTTP::Tiny->new(keep_alive => 1, timeout => 30);
        my $failed = 0;
        for (1 .. $share) {
            my $r = $http->get($url);
            next if $r->{status} == 202;
            print STDERR "inject.pl: HTTP $r->{status} $r->{content}\n" if ++$failed <= 3;
        }
        exit($failed ? 1 : 0);
    }
    push @workers, $pid;
}
my $failed = 0;
for (@workers) { waitpid($_, 0); $failed++ if $? }
print "INJECTED $count over $connections connections, $failed failed\n";
exit($failed ? 1 : 0);
PERL

# CPU ticks (user + system, all threads) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The same for the module's threads named $2 (default emgdiag-writer, the
# log writer; emgdiag-db, the database sink's); 0 when the process has
# none.
writer_ticks() {
    local t sum=0
    for t in /proc/"$1"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "${2:-emgdiag-writer}" ] || continue
        sum=$((sum + $(awk '{ print $14 + $15 }' "$t/stat")))
    done
    echo "$sum"
}

# config FILE XML SMSC_PORT: one kannel.conf for bearerbox and smsbox.
config() {
    local file=$1 xml=$2 smsc_port=$3
    {
        echo "group = core"
        echo "admin-port = $ADMIN_PORT"
        echo "admin-interface = 127.0.0.1"
        echo "admin-password = emgdiag-bench"
        echo "smsbox-port = $SMSBOX_PORT"
        echo "box-allow-ip = 127.0.0.1"
        echo "log-file = $RUN_DIR/bearerbox.log"
        echo "log-level = 1"
        if [ -n "$xml" ]; then
            echo "hook-module = $EMGDIAG_SO"
            echo "hook-config = $xml"
        fi
        echo
        echo "group = smsbox"
        echo "bearerbox-host = 127.0.0.1"
        echo "sendsms-port = $SENDSMS_PORT"
        echo "sendsms-interface = 127.0.0.1"
        echo "log-file = $RUN_DIR/smsbox.log"
        echo "log-level = 2"
        echo
        echo "group = sendsms-user"
        echo "username = bench"
        echo "password = bench-pw"
        echo
        echo "group = smsc"
        echo "smsc = smpp"
        echo "smsc-id = up"
        echo "host = 127.0.0.1"
        echo "port = $smsc_port"
        echo "smsc-username = up"
        echo "smsc-password = up-pw"
        echo "system-type = VMA"
        echo "transceiver-mode = true"
        echo "reconnect-delay = 2"
    } >"$file"
}

# run K ARM: one timed run; sets RESULT (msg/s), CPU_US (bearerbox CPU
# microseconds per message) and WRITER_US (the part of it spent by the
# module's writer thread).  Returns non-zero, with the evidence on
# stderr, when the run did not complete.
run() {
    local k=$1 arm=$2 smsc_port xml="" i line first last bb0 bb1 wr0 wr1 db0 lines
    RUN_DIR=$IT_DIR/run$k
    mkdir -p "$RUN_DIR/logs"
    smsc_port=$(it_port) && ADMIN_PORT=$(it_port) && SMSBOX_PORT=$(it_port) \
        && SENDSMS_PORT=$(it_port) || return 1
    METRICS_PORT=
    SCRAPE_PORT=
    # With LIVE_METRICS=1 both arms run the same scraper, so that its own
    # cost (a curl process a second) weighs on both; without the module
    # nothing listens on its port and each scrape is refused.
    if [ "${LIVE_METRICS:-0}" = 1 ]; then
        SCRAPE_PORT=$(it_port) || return 1
    fi
    if [ "$arm" = with ]; then
        xml=$RUN_DIR/emgdiag.xml
        metrics=
        database=
        if [ "${LIVE_DB:-}" = sqlite ]; then
            database="<database type=\"sqlite\" file=\"$RUN_DIR/emg.db\"/>"
        elif [ "${LIVE_DB:-}" = pgsql ]; then
            database="<database type=\"pgsql\" conninfo=\"$PG_CONN\" password-file=\"$IT_DIR/db-password\" node=\"run$k\"/>"
        fi
        if [ "${LIVE_METRICS:-0}" = 1 ]; then
            METRICS_PORT=$SCRAPE_PORT
            metrics="<metrics box=\"bearerbox\" listen=\"127.0.0.1:$METRICS_PORT\"/>"
        fi
        cat >"$xml" <<XML
<emgdiag>
  <logs dir="$RUN_DIR/logs" format="emg"/>
  <connector name="up" type="outgoing" smsc-id="up" pdu-log="on"/>
  $metrics
  $database
</emgdiag>
XML
    fi
    config "$RUN_DIR/kannel.conf" "$xml" "$smsc_port"

    it_start "smsc$k" perl "$TOP/bench/fast_smsc.pl" --port "$smsc_port" --expect "$N"
    it_wait_line "$IT_DIR/smsc$k.out" '^LISTENING' 10 || return 1
    it_start "bb$k" "$BEARERBOX" "$RUN_DIR/kannel.conf"
    it_wait_port "$SMSBOX_PORT" 20 || return 1
    it_wait_line "$IT_DIR/smsc$k.out" '^BIND ' 20 || return 1
    it_start "smsbox$k" "$SMSBOX" "$RUN_DIR/kannel.conf"
    it_wait_port "$SENDSMS_PORT" 20 || return 1
    sleep 0.5    # let smsbox finish connecting to bearerbox

    if [ -n "$SCRAPE_PORT" ]; then
        it_start "scrape$k" bash -c 'while :; do curl -s -o "$1.tmp" "http://127.0.0.1:$2/metrics" && mv "$1.tmp" "$1"; sleep 1; done' \
            _ "$RUN_DIR/last-scrape" "$SCRAPE_PORT"
    fi
    if [ -n "${LIVE_PERF:-}" ]; then
        mkdir -p "$LIVE_PERF"
        it_start "perf$k" perf record -q -e cpu-clock ${LIVE_PERF_OPTS:--F 2000 -g} -p "$(it_pid "bb$k")" \
            -o "$LIVE_PERF/$arm-$k.data"
        sleep 0.3    # perf attaches to every thread before the first request
    fi
    bb0=$(cpu_ticks "$(it_pid "bb$k")")
    wr0=$(writer_ticks "$(it_pid "bb$k")")
    db0=$(writer_ticks "$(it_pid "bb$k")" emgdiag-db)
    it_start "inject$k" perl "$IT_DIR/inject.pl" \
        "http://127.0.0.1:$SENDSMS_PORT/cgi-bin/sendsms?username=bench&password=bench-pw&from=12345&to=4670123456&text=Your+code+is+4711+ok" \
        "$N" "$CONNECTIONS"
    it_wait_line "$IT_DIR/smsc$k.out" '^DONE ' 60 || return 1
    bb1=$(cpu_ticks "$(it_pid "bb$k")")
    wr1=$(writer_ticks "$(it_pid "bb$k")")
    if [ -n "${LIVE_PERF:-}" ]; then
        kill -INT "$(it_pid "perf$k")" 2>/dev/null
        it_wait_exit "perf$k" 20 || true
        it_stop "perf$k"
    fi
    it_wait_exit "inject$k" 10 || return 1
    if ! it_stop "inject$k"; then
        echo "live.sh: run $k ($arm): the injector reported failed requests" >&2
        it__tail "$IT_DIR/inject$k.err"
        return 1
    fi
    line=$(grep -m1 '^DONE ' "$IT_DIR/smsc$k.out")
    read -r _ _ first last <<<"$line"

    if [ "$arm" = with ]; then
        # The module writes from its own thread: give it a moment.
        for ((i = 0; i < 50; i++)); do
            lines=$(grep -c ' (SUBMIT_SM) ' "$RUN_DIR/logs/pdu.up" 2>/dev/null)
            [ "${lines:-0}" -ge "$N" ] && break
            sleep 0.1
        done
        if [ "${lines:-0}" -lt "$N" ]; then
            echo "live.sh: run $k: pdu.up has ${lines:-0} submit_sm lines, expected $N" >&2
            return 1
        fi
        if [ -n "$database" ]; then
            # Every row reaches the database (the time it took is reported).
            for ((i = 0; i < 300; i++)); do
                if [ "$LIVE_DB" = sqlite ]; then
                    rows=$(sqlite3 "$RUN_DIR/emg.db" "SELECT count(*) FROM pdulog WHERE name = 'SUBMIT_SM'" 2>/dev/null)
                else
                    rows=$(pg_psql -c "SELECT count(*) FROM pdulog WHERE node = 'run$k' AND name = 'SUBMIT_SM'" 2>/dev/null)
                fi
                [ "${rows:-0}" -ge "$N" ] && break
                sleep 0.1
            done
            if [ "${rows:-0}" != "$N" ]; then
                echo "live.sh: run $k: the database has ${rows:-0} submit_sm rows, expected $N" >&2
                return 1
            fi
            # the emgdiag-db thread runs nicer than the SMPP threads
            # (docs/database.md): how long after the last submit_sm its rows
            # were all there, and its CPU until then, which bearerbox's CPU
            # above counts only up to the last submit_sm
            DB_LAG=$(awk -v t="$(date +%s.%N)" -v b="$last" 'BEGIN { printf "%.1f", t - b }')
            DB_US=$(awk -v t=$(($(writer_ticks "$(it_pid "bb$k")" emgdiag-db) - db0)) -v hz="$CLK_TCK" \
                -v n="$N" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
        fi
        if [ -n "$METRICS_PORT" ]; then
            it_stop "scrape$k"
            curl -s -o "$RUN_DIR/last-scrape" "http://127.0.0.1:$METRICS_PORT/metrics"
            lines=$(awk '/^emgdiag_pdus_total\{.*op="SUBMIT_SM",/ { n += $NF } END { print n + 0 }' "$RUN_DIR/last-scrape")
            if [ "$lines" != "$N" ]; then
                echo "live.sh: run $k: the metrics count $lines submit_sm, expected $N" >&2
                return 1
            fi
        fi
    elif [ -n "$(ls -A "$RUN_DIR/logs")" ]; then
        echo "live.sh: run $k: the arm without the module wrote module logs" >&2
        return 1
    fi
    # the scraper of the arm without the module (the other one's is stopped
    # before its last scrape, above)
    if [ "$arm" != with ] && [ -n "$SCRAPE_PORT" ]; then
        it_stop "scrape$k"
    fi
    it_stop "smsbox$k"
    it_stop "bb$k"
    it_stop "smsc$k"
    RESULT=$(awk -v n="$N" -v a="$first" -v b="$last" 'BEGIN { printf "%.1f", (n - 1) / (b - a) }')
    CPU_US=$(awk -v t=$((bb1 - bb0)) -v hz="$CLK_TCK" -v n="$N" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    WRITER_US=$(awk -v t=$((wr1 - wr0)) -v hz="$CLK_TCK" -v n="$N" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
}

with=()
without=()
with_cpu=()
with_writer=()
with_db=()
with_lag=()
without_cpu=()
pair_ratios=()
k=0
for ((r = 0; r < RUNS; r++)); do
    for arm in with without; do
        if [ "$SECONDS" -ge "$BUDGET" ]; then
            echo "live.sh: over the ${BUDGET}s budget after $k runs; lower LIVE_MESSAGES or LIVE_RUNS" >&2
            IT_FAILED=1
            exit 1
        fi
        k=$((k + 1))
        run "$k" "$arm" || { IT_FAILED=1; exit 1; }
        printf 'run %2d: %-7s module: %8s msg/s, bearerbox %5s us CPU/msg' "$k" "$arm" "$RESULT" "$CPU_US"
        if [ "$arm" = with ]; then
            printf ' (log writer thread %s)' "$WRITER_US"
            if [ -n "$database" ]; then
                printf '; database thread %s us/msg, every row in %s s after the last submit_sm' \
                    "$DB_US" "$DB_LAG"
                with_db+=("$DB_US")
                with_lag+=("$DB_LAG")
            fi
            echo
            with+=("$RESULT")
            with_cpu+=("$CPU_US")
            with_writer+=("$WRITER_US")
        else
            echo
            without+=("$RESULT")
            without_cpu+=("$CPU_US")
            pair_ratios+=("$(awk -v w="${with[-1]}" -v o="$RESULT" 'BEGIN { printf "%.1f", 100 * w / o }')")
        fi
    done
done

# stats VALUES...: "median min max".
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.1f %.1f %.1f", m, v[1], v[NR] }'; }
read -r wm wlo whi <<<"$(stats "${with[@]}")"
read -r om olo ohi <<<"$(stats "${without[@]}")"
read -r wc wclo wchi <<<"$(stats "${with_cpu[@]}")"
read -r oc oclo ochi <<<"$(stats "${without_cpu[@]}")"
read -r wwc wwlo wwhi <<<"$(stats "${with_writer[@]}")"
echo "messages per run: $N over $CONNECTIONS HTTP connections; runs per arm: $RUNS; $(nproc) CPUs; ${SECONDS}s"
[ "${LIVE_METRICS:-0}" = 1 ] && echo "with module: the metrics sink too, GET /metrics once a second (LIVE_METRICS=1)"
[ "${LIVE_DB:-}" = sqlite ] && echo "with module: the SQLite database sink too (LIVE_DB=sqlite)"
[ "${LIVE_DB:-}" = pgsql ] && echo "with module: the PostgreSQL database sink too, its server on this machine (LIVE_DB=pgsql)"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine widens the spread)"
echo "with module:    median $wm msg/s (min $wlo, max $whi); bearerbox CPU $wc us/msg ($wclo..$wchi), of which log writer thread $wwc ($wwlo..$wwhi)"
if [ -n "${LIVE_DB:-}" ]; then
    read -r dbc dblo dbhi <<<"$(stats "${with_db[@]}")"
    read -r lag laglo laghi <<<"$(stats "${with_lag[@]}")"
    echo "with module:    database thread $dbc us/msg ($dblo..$dbhi) until every row was written, $lag s ($laglo..$laghi) after the last submit_sm"
fi
echo "without module: median $om msg/s (min $olo, max $ohi); bearerbox CPU $oc us/msg ($oclo..$ochi)"
read -r pm plo phi <<<"$(stats "${pair_ratios[@]}")"
awk -v w="$wm" -v o="$om" 'BEGIN { printf "with/without, ratio of the medians: %.1f %% (goal >= 97 %%)\n", 100 * w / o }'
echo "with/without, run by run: median $pm % (min $plo, max $phi)"
awk -v w="$wc" -v o="$oc" 'BEGIN { printf "bearerbox CPU per message, with/without: %.1f %%\n", 100 * w / o }'
