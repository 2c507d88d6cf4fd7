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
# reads one session of; OUT (default bench-out).
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
[ -x tools/emgdiag-follow ] || die "tools/emgdiag-follow not found: run make first"
mkdir -p "$OUT"
# shellcheck disable=SC2086
$CC -std=gnu11 -D_GNU_SOURCE -O2 -g -pthread -I"$TOP/include" -I"$TOP/module" $PQ_CFLAGS -DHAVE_PGSQL \
    $MY_CFLAGS -DHAVE_MYSQL -o "$OUT/bench_db" "$TOP/bench/bench_db.c" module/libemgcore.a -lsqlite3 -lpq \
    -lmariadb || die "cannot build bench_db (it needs libpq-dev and libmariadb-dev)"

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

rm -f "$OUT"/follow.db*
echo "== emgdiag-follow --db, one session of a table of $FOLLOW_ROWS rows (SQLite)"
"$OUT/bench_db" fill "sqlite:$OUT/follow.db" "$FOLLOW_ROWS"
tools/emgdiag-follow --db "sqlite:$OUT/follow.db" bench 3 >/dev/null # warm the cache
best=
for i in 1 2 3 4 5; do
    t0=$(date +%s%N)
    tools/emgdiag-follow --db "sqlite:$OUT/follow.db" bench 3 >"$OUT/follow.out"
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
echo "emgdiag-follow --db: the last session of instance 3 ($(wc -l <"$OUT/follow.out") lines) in $best ms (best of 5)"
