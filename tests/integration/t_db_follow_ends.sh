#!/bin/bash
# emgdiag-follow --db of one session reads only the connector rows at one
# end of the log (docs/database.md, "Reading"): the answer must still be
# exactly what emgdiag-follow prints from the files.  A connector log of
# 400 sessions on instance 1 (more than the first rounds of rows read from
# either end) and a few on instance 2, written in the formats of
# docs/connector-log.md and docs/pdu-log.md with their JSON twins, in the
# shapes the session rules of docs/man/emgdiag-follow.1 name: lines before
# the first CONNECT, a CONNECT ERR, a CONNECT without its DISCONNECT, a
# LOGIN after a DISCONNECT, and sessions of a length that makes a round
# of rows from the end start inside a session, is loaded (emgdiag-db load) and followed from
# both ends, by files and by --db: SQLite, then PostgreSQL 15 and MariaDB 10.11 (real
# servers in the scratch directory, db_servers.sh), each reported skipped when this build
# or this machine has not got it.  On the servers, the plans of the first round's queries
# from one end (the server's own EXPLAIN of the tool's statements: auto_explain, the slow
# query log) must walk the (connector, node, instance, ts) index and sort no more than the
# rows they keep.  The logs are then loaded again as two more nodes: without --node the
# tool names all three, with --node it prints what the files do, and on the servers each
# seek for the next node is one lookup in that index (its plan).  Time budget: about 60 s
# (10 s a back-end, the servers' start, load).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/db_servers.sh"
it_init db_follow_ends
DBTOOL=${EMGDIAG_DB:?set EMGDIAG_DB to the emgdiag-db tool}
FOLLOW=${EMGDIAG_FOLLOW:?set EMGDIAG_FOLLOW}

L=$IT_DIR/logs
DB=$IT_DIR/ends.db
mkdir -p "$L"
python3 - "$L" <<'PY'
import sys, datetime
d = sys.argv[1]
t0 = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
us = 0
con, conj, pdu, pduj = [], [], [], []

def stamp():
    global us
    us += 1000
    t = t0 + datetime.timedelta(microseconds=us)
    return t.strftime('%Y-%m-%d %H:%M:%S.%f'), t.strftime('%Y-%m-%dT%H:%M:%S.%f+00:00')

def c(inst, event, result='OK'):
    txt, iso = stamp()
    con.append('%s (%d) %s %s' % (txt, inst, event, result))
    conj.append('{"ts":"%s","connector":"ends","instance":%d,"event":"%s","result":"%s"}'
                % (iso, inst, event, result))

def p(inst, trn):
    txt, iso = stamp()
    pdu.append('%s INFO  (ends,%d) Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:%d datalen:0'
               % (txt, inst, trn))
    pduj.append('{"ts":"%s","connector":"ends","instance":%d,"dir":"read","op":"0x00000015",'
                '"name":"ENQUIRE_LINK","status":0,"trn":%d,"datalen":0,"fields":{}}'
                % (iso, inst, trn))

trn = 0
# the log starts inside a session of instance 1
c(1, 'LOGIN'); p(1, trn); c(1, 'DISCONNECT')
for s in range(400):
    shape = s % 7
    if s >= 300:
        # four lines each, and five in the last one below: a round of 4n
        # rows from the end then starts inside a session
        c(1, 'CONNECT'); c(1, 'LOGIN', 'ERR'); trn += 1; p(1, trn)
        c(1, 'LOGIN'); c(1, 'DISCONNECT')
        continue
    if shape == 3:
        c(1, 'CONNECT', 'ERR')           # a failed connect: a session of one line
        continue
    c(1, 'CONNECT')
    for _ in range(s % 3 + 1):
        trn += 1; p(1, trn)
    if s % 50 == 0:
        c(2, 'CONNECT'); p(2, trn); c(2, 'DISCONNECT')
    if shape == 5:
        continue                          # no DISCONNECT: the next CONNECT ends it
    c(1, 'LOGIN')
    trn += 1; p(1, trn)
    c(1, 'DISCONNECT')
    if shape == 6:
        c(1, 'LOGIN')                     # after a DISCONNECT: a session of its own
c(1, 'CONNECT')                           # the last one still open
for r in ('ERR', 'ERR', 'ERR', 'OK'):
    c(1, 'LOGIN', r)
trn += 1; p(1, trn)
for name, lines in (('connector.ends', con), ('connector.ends.jsonl', conj),
                    ('pdu.ends', pdu), ('pdu.ends.jsonl', pduj)):
    with open('%s/%s' % (d, name), 'w') as f:
        f.write(''.join(l + '\n' for l in lines))
PY
# load URI: the generated logs into URI, every line a row.
load() {
    local out rc lines
    out=$("$DBTOOL" load "$1" --box bearerbox --node gw1 "$L" 2>&1)
    rc=$?
    lines=$(cat "$L/connector.ends" "$L/pdu.ends" | wc -l)
    it_assert_eq "$rc:$out" "0:$lines lines: $lines rows added, 0 already there, 0 without a twin, 0 not understood" \
        "${1%%:*}: the generated logs load, every line a row"
}

# same ARGS...: from the files and from the database at $URI, the same
# output and exit status
same() {
    "$FOLLOW" --dir "$L" "$@" >"$IT_DIR/f.files" 2>/dev/null
    local rf=$?
    "$FOLLOW" --db "$URI" "$@" >"$IT_DIR/f.db" 2>"$IT_DIR/f.db.err"
    local rd=$?
    if [ "$rf" = "$rd" ] && cmp -s "$IT_DIR/f.files" "$IT_DIR/f.db"; then
        it_pass "${URI%%:*}: emgdiag-follow $*: --db = the files (exit $rf, $(wc -l <"$IT_DIR/f.files") lines)"
    else
        it_fail "${URI%%:*}: emgdiag-follow $*: --db differs from the files (exit $rf against $rd)"
        diff "$IT_DIR/f.files" "$IT_DIR/f.db" | head -5
        head -3 "$IT_DIR/f.db.err"
    fi
}

sessions=$("$FOLLOW" --dir "$L" --list ends 1 | grep -c '^(1) #')
[ "$sessions" -gt 300 ] && it_pass "instance 1 has $sessions sessions (more than one round of rows)" ||
    it_fail "instance 1 has only $sessions sessions"

# all_same: every comparison, against $URI
all_same() {
    local k
    for k in 1 2 3 7 100 $((sessions - 1)) "$sessions" $((sessions + 1)) -1 -2 -4 -6 -7 -100 \
        -$((sessions - 1)) -"$sessions" -$((sessions + 1)); do
        same --session "$k" ends 1
    done
    # the sessions around the edge of the first rounds of rows read from the end
    for k in $(seq 10 30) $(seq 70 90); do
        same --session -"$k" ends 1
    done
    same ends 1
    same --session 2 ends 2
    same --session -1 ends 2
    same --session -9 ends 2
    same --session 1 ends 3
    same --all ends 2
    same --list ends 1
}

# plans_verdict MIN OUT PASS FAIL: OUT is a check's "PLANS BAD" line (and the
# first bad plan); it passes with at least MIN plans and none bad (PASS: a
# printf format for the number of plans), else fails with FAIL.
plans_verdict() {
    local n=${2%% *} bad
    bad=$(echo "$2" | head -n 1 | cut -d' ' -f2)
    if [ "$n" -ge "$1" ] 2>/dev/null && [ "$bad" = 0 ]; then
        # shellcheck disable=SC2059
        it_pass "$(printf "$3" "$n")"
    else
        it_fail "$4"
    fi
}

# plan_walks_index WHAT FILE MARK FIRST: FILE holds the plans of the
# queries from one end, a paragraph each.  Those of the first round of rows
# (LIMIT 64, a twentieth of the instance's rows: the plans that match the
# regular expression FIRST; a larger LIMIT on this small table may rightly
# be a scan) must, after MARK (PostgreSQL: the Limit node; MariaDB: the row
# of the derived table), read connectorlog through its (connector, node,
# instance, ts) index with no sort and no full scan: only the rows kept are
# sorted, above it.
plan_walks_index() {
    local what=$1 file=$2 out
    out=$(python3 - "$file" "$3" "$4" <<'PY'
import re, sys
mark, first = sys.argv[2], sys.argv[3]
plans = [p for p in open(sys.argv[1]).read().split('\n\n') if re.search(first, p)]
bad = []
for p in plans:
    under = p.split(mark, 1)[1] if mark in p else ''
    if 'connectorlog_connector_ts' not in under or re.search(r'(?<!Incremental )Sort  \(|filesort|\bALL\b', under):
        bad.append(p)
print('%d %d' % (len(plans), len(bad)))
for p in bad[:1]:
    print(p)
PY
)
    plans_verdict 11 "$out" \
        "$what: the %s queries of a first round from one end walk the (connector, node, instance, ts) index, no sort under their LIMIT" \
        "$what: plans of the queries from one end (of the first round, bad: $out)"
}

# nodes_check: the logs loaded again as nodes gw2 and gw0 of $URI.  Without
# --node the tool names the three nodes in order and asks for one (exit 2,
# docs/man/emgdiag-follow.1); with --node gw2 it prints what the files do.
# The nodes are found by one seek each (docs/database.md, "Reading").
nodes_check() {
    local n out rc
    for n in gw2 gw0; do
        out=$("$DBTOOL" load "$URI" --box bearerbox --node "$n" "$L" 2>&1) ||
            it_fail "${URI%%:*}: loading the logs as node $n: $out"
    done
    out=$("$FOLLOW" --db "$URI" --session 1 ends 1 2>&1 >/dev/null)
    rc=$?
    it_assert_eq "$rc:$out" \
        "2:emgdiag-follow: the connector is on more than one node: gw0, gw1, gw2: choose one with --node" \
        "${URI%%:*}: a connector on three nodes: each named, in order, and --node asked for"
    "$FOLLOW" --dir "$L" --session -3 ends 1 >"$IT_DIR/n.files" 2>/dev/null
    "$FOLLOW" --db "$URI" --node gw2 --session -3 ends 1 >"$IT_DIR/n.db" 2>"$IT_DIR/n.db.err"
    if [ -s "$IT_DIR/n.files" ] && cmp -s "$IT_DIR/n.files" "$IT_DIR/n.db"; then
        it_pass "${URI%%:*}: --node gw2 of three: --db = the files ($(wc -l <"$IT_DIR/n.files") lines)"
    else
        it_fail "${URI%%:*}: --node gw2 of three: --db differs from the files"
        diff "$IT_DIR/n.files" "$IT_DIR/n.db" | head -5
        head -3 "$IT_DIR/n.db.err"
    fi
}

# nodes_walk_index WHAT FILE: FILE holds the plans of the seeks for nodes,
# a paragraph each; every one must read connectorlog through its
# (connector, node, instance, ts) index, with no full scan and no sort
# (the index gives the nodes in order), or be MariaDB's answer to MIN()
# from one lookup in the index ("Select tables optimized away", or "No
# matching min/max row" when the lookup finds none); MariaDB's
# slow log also says each step read at most one row.  Five seeks at least: those of
# nodes_check (the first node, then after gw0, gw1 and gw2).
nodes_walk_index() {
    local out
    out=$(python3 - "$2" <<'PY'
import re, sys
plans = [p for p in open(sys.argv[1]).read().split('\n\n') if p.strip()]
def rows_read(p):
    # MariaDB's ANALYZE columns: r_rows, the rows the step read (a seek: at most one)
    lines = [l.split('\t') for l in p.strip().split('\n')]
    if not lines or 'r_rows' not in lines[0]:
        return 0
    k = lines[0].index('r_rows')
    return max((float(l[k]) for l in lines[1:] if len(l) > k and l[k] != 'NULL'), default=0)
bad = [p for p in plans
       if not re.search(r'connectorlog_connector_ts|Select tables optimized away|No matching min/max row', p)
       or re.search(r'Seq Scan|Sort  \(|HashAggregate|Unique  \(|filesort|\tALL\t', p)
       or rows_read(p) > 1]
print('%d %d' % (len(plans), len(bad)))
for p in bad[:1]:
    print(p)
PY
)
    plans_verdict 5 "$out" \
        "$1: the %s seeks for a connector's nodes walk the (connector, node, instance, ts) index, no scan, no sort" \
        "$1: plans of the seeks for nodes (plans, bad: $out)"
}

# SQLite
URI=sqlite:$DB
load "$URI"
all_same
nodes_check

# PostgreSQL: the plans from auto_explain in the server's log
if pg_usable; then
    PASSWORD="pg-$RANDOM-secret-$RANDOM"
    if ! pg_init "$IT_DIR/pg" "$PASSWORD"; then
        it_fail "PostgreSQL: initdb failed"
        it__tail "$IT_DIR/pg.initdb.log"
    else
        printf '%s\n' "session_preload_libraries = 'auto_explain'" \
            "auto_explain.log_min_duration = 0" >>"$IT_DIR/pg/data/postgresql.conf"
        if pg_start pg "$IT_DIR/pg"; then
            export PGPASSWORD=$PASSWORD
            PG_DB=postgres pg_psql -c 'CREATE DATABASE emg'
            URI="postgresql:///emg?host=$PG_SOCK&port=$PG_PORT&user=emgdiag"
            load "$URI"
            pg_psql -c 'ANALYZE'
            all_same
            nodes_check
            # each plan: from its query's text to the next line of the log
            # that is not part of a plan
            awk '/Query Text: SELECT line, ts FROM \(SELECT id, line, ts FROM connectorlog/ { p = 1; next }
                 p && /^[0-9]{4}-|LOG:|STATEMENT:/ { p = 0; print "" }
                 p { print }' "$IT_DIR/pg.err" >"$IT_DIR/pg.plans"
            plan_walks_index PostgreSQL "$IT_DIR/pg.plans" "Limit" 'Limit  \(cost=[^)]* rows=64 '
            awk '/Query Text: SELECT node FROM connectorlog/ { p = 1; next }
                 p && /^[0-9]{4}-|LOG:|STATEMENT:/ { p = 0; print "" }
                 p { print }' "$IT_DIR/pg.err" >"$IT_DIR/pg.nodes.plans"
            nodes_walk_index PostgreSQL "$IT_DIR/pg.nodes.plans"
            pg_stop_fast pg
            unset PGPASSWORD
        fi
    fi
fi

# MariaDB: the plans from the slow query log (every query, with its EXPLAIN)
if my_usable; then
    PASSWORD="my-$RANDOM-secret-$RANDOM"
    unset MYSQL_PWD
    if ! my_init "$IT_DIR/my" "$PASSWORD"; then
        it_fail "MariaDB: mariadb-install-db failed"
        it__tail "$IT_DIR/my.install.log"
    elif my_start my "$IT_DIR/my"; then
        export MYSQL_PWD=$PASSWORD
        URI=$MY_URI
        load "$URI"
        my_sql 'ANALYZE TABLE connectorlog' >/dev/null
        env -u MYSQL_PWD mariadb --no-defaults -S "$MY_SOCK" -uroot -e "SET GLOBAL
            slow_query_log_file = '$IT_DIR/my.slow', long_query_time = 0,
            log_slow_verbosity = 'explain', slow_query_log = 1"
        all_same
        nodes_check
        # each plan: the EXPLAIN rows the slow log writes before the query
        awk '/^# explain: id/ { buf = ""; p = 1 }
             p && /^# explain:/ { buf = buf $0 "\n"; next }
             /SELECT line, ts FROM \(SELECT id, line, ts FROM connectorlog/ { print buf; print "" }
             { p = 0 }' "$IT_DIR/my.slow" | sed 's/^# explain: //' >"$IT_DIR/my.plans"
        plan_walks_index MariaDB "$IT_DIR/my.plans" "DERIVED" 'PRIMARY\t<derived2>\tALL(\tNULL){4}\t64\t'
        awk '/^# explain: id/ { buf = ""; p = 1 }
             p && /^# explain:/ { buf = buf $0 "\n"; next }
             /SELECT MIN\(node\), MIN\(node\) IS NULL FROM connectorlog/ { print buf; print "" }
             { p = 0 }' "$IT_DIR/my.slow" | sed 's/^# explain: //' >"$IT_DIR/my.nodes.plans"
        nodes_walk_index MariaDB "$IT_DIR/my.nodes.plans"
        my_stop my
        unset MYSQL_PWD
    fi
fi
it_summary
