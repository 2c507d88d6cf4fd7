#!/bin/sh
# bench/db.sh: the database sink's write path against each back-end's raw
# batched insert of the same rows, in one run per back-end, and
# emgdiag-follow --db printing one session of a large table (see
# docs/performance.md, `make bench-db`).
#
# SQLite always; PostgreSQL when PG_CONN names a database the bench may
# create tables in (the password from PGPASSWORD), e.g.
#   PG_CONN="host=/run/postgresql dbname=bench user=bench" make bench-db
# and MariaDB when MY_SOCK (the server's unix socket) and MY_DB name one
# (MY_USER, default the login name; the password from MYSQL_PWD), e.g.
#   MY_SOCK=/run/mysqld/mysqld.sock MY_DB=bench MY_USER=bench make bench-db
# Environment: ROWS (default 200000) rows per insert measurement; ROUNDS
# (default 3) rounds per back-end, each measuring both paths on emptied
# tables, taking turns at which goes first (the best of each is compared);
# FOLLOW_ROWS (default 1000000) rows of the table emgdiag-follow --db
# reads one session of (10000000: about 10 GB and 3 minutes to build; it is
# deleted afterwards unless KEEP_FOLLOW_DB is set, and then used again by
# the next run of the same FOLLOW_ROWS); FOLLOW_ONLY (set: no insert
# measurement); FOLLOW_OLD (another emgdiag-follow to measure on the same
# table, e.g. the build before a change); OUT (default bench-out).
set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CC=${CC:-cc}
ROWS=${ROWS:-200000}
FOLLOW_ROWS=${FOLLOW_ROWS:-1000000}
OUT=${OUT:-bench-out}
PQ_CFLAGS=$(pkg-config --cflags libpq 2>/dev/null || true)
MY_CFLAGS=$(pkg-config --cflags libmariadb 2>/dev/null || true)

die() { echo "bench-db: $*" >&2; exit 1; }
[ -f module/libemgcore.a ] || die "module/libemgcore.a not found: run make first"
[ -x tools/emgdiag-follow ] && [ -x tools/emgdiag-pdu ] || die "tools/emgdiag-follow not found: run make first"
mkdir -p "$OUT"
# shellcheck disable=SC2086
$CC -std=gnu11 -D_GNU_SOURCE -O2 -g -pthread -I"$TOP/include" -I"$TOP/module" $PQ_CFLAGS -DHAVE_PGSQL \
    $MY_CFLAGS -DHAVE_MYSQL -o "$OUT/bench_db" "$TOP/bench/bench_db.c" module/libemgcore.a -lsqlite3 -lpq \
    -lmariadb || die "cannot build bench_db (it needs libpq-dev and libmariadb-dev)"

if [ -n "${FOLLOW_ONLY:-}" ]; then
    echo "== insert: skipped (FOLLOW_ONLY)"
else
rm -f "$OUT"/bench.db*
echo "== insert, SQLite ($ROWS rows)"
"$OUT/bench_db" insert "sqlite:$OUT/bench.db" "$ROWS"
if [ -n "${PG_CONN:-}" ]; then
    echo "== insert, PostgreSQL ($ROWS rows)"
    "$OUT/bench_db" insert "postgresql:///?$(echo "$PG_CONN" | tr ' ' '&')" "$ROWS"
else
    echo "== insert, PostgreSQL: skipped (set PG_CONN)"
fi
if [ -n "${MY_SOCK:-}" ] && [ -n "${MY_DB:-}" ]; then
    echo "== insert, MariaDB ($ROWS rows)"
    export MY_SOCK MY_DB
    MY_USER=${MY_USER:-$(id -un)}
    export MY_USER
    "$OUT/bench_db" insert "mysql://$MY_USER@localhost/$MY_DB?socket=$MY_SOCK" "$ROWS"
else
    echo "== insert, MariaDB: skipped (set MY_SOCK and MY_DB)"
fi

fi

echo "== emgdiag-follow --db, one session of a table of $FOLLOW_ROWS rows (SQLite)"
if [ -n "${KEEP_FOLLOW_DB:-}" ] && [ -f "$OUT/follow.db" ] &&
    [ "$(sqlite3 "$OUT/follow.db" 'SELECT (SELECT max(id) FROM pdulog) + (SELECT max(id) FROM connectorlog)')" = "$FOLLOW_ROWS" ]; then
    echo "follow.db: the table of the last run (KEEP_FOLLOW_DB)"
else
    rm -f "$OUT"/follow.db*
    "$OUT/bench_db" fill "sqlite:$OUT/follow.db" "$FOLLOW_ROWS"
fi
echo "follow.db: $(du -m "$OUT/follow.db" | cut -f1) MB"
# ms_of CMD...: the wall time of CMD in ms (output to $OUT/follow.out)
ms_of() {
    t0=$(date +%s%N)
    "$@" >"$OUT/follow.out"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}
# best_of5 WHAT CMD...: best and worst of 5 runs, after one that warms the cache
best_of5() {
    what=$1
    shift
    "$@" >/dev/null
    best= worst= all=
    for i in 1 2 3 4 5; do
        ms=$(ms_of "$@")
        all="$all $ms"
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
        if [ -z "$worst" ] || [ "$ms" -gt "$worst" ]; then worst=$ms; fi
    done
    echo "$what: $best ms best of 5 (worst $worst; all:$all)"
}
# the baseline in the same run: the process alone (start-up, the
# libraries it links, no database)
best_of5 "emgdiag-follow --version (start-up only)" tools/emgdiag-follow --version
# and a tool that reaches no database (links none of the libraries)
best_of5 "emgdiag-pdu --version (start-up of a tool without a database)" tools/emgdiag-pdu --version
best_of5 "emgdiag-follow --db: the last session of instance 3 ($(tools/emgdiag-follow --db "sqlite:$OUT/follow.db" bench 3 | wc -l) lines)" \
    tools/emgdiag-follow --db "sqlite:$OUT/follow.db" bench 3
best_of5 "emgdiag-follow --db --session 1: the first session of instance 3" \
    tools/emgdiag-follow --db "sqlite:$OUT/follow.db" --session 1 bench 3
# FOLLOW_OLD: another build's emgdiag-follow (say, before a change) on the same table
if [ -n "${FOLLOW_OLD:-}" ]; then
    best_of5 "$FOLLOW_OLD --version (start-up only)" "$FOLLOW_OLD" --version
    # an older build may refuse the table (a newer schema): said, not fatal,
    # so that the table is still deleted below
    if ! "$FOLLOW_OLD" --db "sqlite:$OUT/follow.db" bench 3 >/dev/null 2>"$OUT/follow-old.err"; then
        echo "$FOLLOW_OLD cannot read this table: $(head -n1 "$OUT/follow-old.err")"
    else
        best_of5 "$FOLLOW_OLD --db: the last session of instance 3" \
            "$FOLLOW_OLD" --db "sqlite:$OUT/follow.db" bench 3
        best_of5 "$FOLLOW_OLD --db --session 1: the first session of instance 3" \
            "$FOLLOW_OLD" --db "sqlite:$OUT/follow.db" --session 1 bench 3
    fi
fi
if [ -z "${KEEP_FOLLOW_DB:-}" ]; then rm -f "$OUT"/follow.db*; fi
