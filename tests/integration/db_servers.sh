# shellcheck shell=bash
# db_servers.sh: real database servers for the database tests, started in
# the test's scratch directory and stopped with it (sourced after lib.sh).
#
#   db_user                   the unprivileged user the servers run as
#                             (emgdiag-test, a system user made when
#                             missing); 1 when there is none and none
#                             can be made (the caller skips)
#   pg_init DIR PASSWORD      initdb a PostgreSQL 15 cluster in DIR with
#                             password authentication for user "emgdiag"
#   pg_start NAME DIR         start it (it_start NAME) on a unix socket in
#                             DIR only; sets PG_SOCK, PG_PORT, PG_CONN
#                             (a conninfo without the password)
#   pg_stop_fast NAME         a fast shutdown (SIGINT), waited for
#   pg_psql SQL...            runs SQL in database emg as emgdiag
#   my_init DIR PASSWORD      mariadb-install-db a MariaDB 10.11 data
#                             directory in DIR; my_start then makes the
#                             database emg and the user emgdiag@localhost
#                             with PASSWORD (all privileges on emg)
#   my_start NAME DIR         start mariadbd (it_start NAME) on the unix
#                             socket DIR/sock only; sets MY_SOCK, MY_URI (a
#                             mysql:// URI without the password)
#   my_stop NAME              a normal shutdown (SIGTERM), waited for
#   my_sql SQL                runs SQL in database emg as emgdiag (the
#                             password from MYSQL_PWD), rows tab-separated
#
# The servers listen on no TCP address, only on a socket in the scratch
# directory; nothing of the system's own PostgreSQL or MariaDB is used but
# their binaries (and no option file: --no-defaults).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DB_USER=emgdiag-test

db_user() {
    id "$DB_USER" >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || return 1
    useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$DB_USER" >/dev/null 2>&1
    id "$DB_USER" >/dev/null 2>&1
}

# AS_DB_USER: the command prefix that runs a program as the servers' user
# (setpriv execs it: the PID it_start records is the server's own).
AS_DB_USER=()
[ "$(id -u)" = 0 ] && AS_DB_USER=(setpriv --reuid="$DB_USER" --regid="$DB_USER" --init-groups --)

pg_init() {
    local dir=$1 password=$2
    mkdir -p "$dir"
    printf '%s\n' "$password" >"$dir.pw"
    chmod 0755 "$IT_DIR"
    chown "$DB_USER" "$dir" "$dir.pw" 2>/dev/null
    "${AS_DB_USER[@]}" "$PG_BIN/initdb" -D "$dir/data" -U emgdiag --auth=scram-sha-256 \
        --pwfile="$dir.pw" >"$dir.initdb.log" 2>&1 || return 1
    rm -f "$dir.pw"
}

pg_start() {
    local name=$1 dir=$2 i
    PG_SOCK=$dir
    PG_PORT=${PG_PORT:-$(it_port)}
    PG_CONN="host=$PG_SOCK port=$PG_PORT dbname=emg user=emgdiag"
    it_start "$name" "${AS_DB_USER[@]}" "$PG_BIN/postgres" -D "$dir/data" -k "$dir" -p "$PG_PORT" \
        -c listen_addresses= -c fsync=off
    for ((i = 0; i < 100; i++)); do
        [ -S "$dir/.s.PGSQL.$PG_PORT" ] && return 0
        sleep 0.1
    done
    it_fail "PostgreSQL did not start in 10 s"
    it__tail "$IT_DIR/$name.err"
    return 1
}

pg_stop_fast() {
    local pid
    pid=$(it_pid "$1")
    [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null
    it_wait_exit "$1" 15
    it_stop "$1"
}

pg_psql() {
    psql "host=$PG_SOCK port=$PG_PORT dbname=${PG_DB:-emg} user=emgdiag" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# MariaDB runs as the test's own user (root: --user=root).
MY_USER_OPT=()
[ "$(id -u)" = 0 ] && MY_USER_OPT=(--user=root)

my_init() {
    local dir=$1 password=$2
    mkdir -p "$dir"
    MY_PASSWORD=$password
    mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
        --skip-test-db "${MY_USER_OPT[@]}" >"$dir.install.log" 2>&1
}

my_start() {
    local name=$1 dir=$2 i
    MY_SOCK=$dir/sock
    MY_URI="mysql://emgdiag@localhost/emg?socket=$MY_SOCK"
    it_start "$name" mariadbd --no-defaults "${MY_USER_OPT[@]}" --datadir="$dir/data" \
        --socket="$MY_SOCK" --pid-file="$dir/pid" --skip-networking --innodb-buffer-pool-size=16M \
        --innodb-flush-log-at-trx-commit=0 --skip-log-bin
    for ((i = 0; i < 150; i++)); do
        env -u MYSQL_PWD mariadb --no-defaults -S "$MY_SOCK" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
        sleep 0.1
    done
    if [ "$i" = 150 ]; then
        it_fail "MariaDB did not start in 15 s"
        it__tail "$IT_DIR/$name.err"
        return 1
    fi
    # once per data directory: the database and its user (root has no
    # password: the socket is in the scratch directory only)
    env -u MYSQL_PWD mariadb --no-defaults -S "$MY_SOCK" -uroot -e "CREATE DATABASE IF NOT EXISTS emg;
        CREATE USER IF NOT EXISTS emgdiag@localhost IDENTIFIED BY '$MY_PASSWORD';
        GRANT ALL ON emg.* TO emgdiag@localhost;"
}

my_stop() {
    local pid
    pid=$(it_pid "$1")
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    it_wait_exit "$1" 30
    it_stop "$1"
}

my_sql() {
    mariadb --no-defaults -S "$MY_SOCK" -uemgdiag -N -B -r emg -e "$1"
}

# ---- the traffic every back-end's test sends (t_db_sqlite, t_db_pgsql,
# t_db_mysql); each gives rows(): the rows of the four tables so far.

# lines: the connector, pdu, security and message lines the boxes wrote so
# far ($L, the log directory of the test).
lines() { cat "$L"/connector.in "$L"/connector.out "$L"/pdu.in "$L"/pdu.out "$L"/security "$L"/message.bearerbox "$L"/message.osb 2>/dev/null | wc -l; }

# settle: until the files stop growing (synchronisation only).
settle() {
    local before after i
    for ((i = 0; i < 50; i++)); do
        before=$(lines)
        sleep 0.3
        after=$(lines)
        [ "$before" = "$after" ] && return 0
    done
}

# db_traffic: two clients (Net::SMPP, node-smpp) submit 20 each through
# opensmppbox at $OSB_PORT, two binds with hostile system_ids are refused,
# and then every line must be a row within 2 s of the files settling.
db_traffic() {
    it_start c1 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id c1 --password pw1 --submit 20 --unbind
    it_start c2 node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" --system-id c2 --password pw2 --submit 20 --unbind
    it_wait_exit c1 30
    it_wait_exit c2 30
    RAW=$TOP/tests/integration/host_rawclient.pl
    # ' " \ ;DROP TABLE pdulog;-- 0xff 0xfe (not UTF-8), the NUL that ends it, a password
    HOSTILE=$(printf '%s' "'\"\\;DROP TABLE pdulog;--" | od -An -tx1 | tr -d ' \n')fffe0027
    perl "$RAW" "$OSB_PORT" bind "$HOSTILE" wrong >"$IT_DIR/raw1.out" 2>&1
    perl "$RAW" "$OSB_PORT" bind "$(printf '%s' "x'); DELETE FROM connectorlog; --" | od -An -tx1 | tr -d ' \n')" \
        wrong >"$IT_DIR/raw2.out" 2>&1
    it_assert_line "$IT_DIR/raw1.out" '^RESP 0x80000009 14 ' "hostile system_id refused with 14"
    settle
    t0=$(date +%s%N)
    ok=
    for ((i = 0; i < 40; i++)); do
        [ "$(rows)" = "$(lines)" ] && {
            ok=1
            break
        }
        sleep 0.05
    done
    t1=$(date +%s%N)
    if [ -n "$ok" ] && [ $(((t1 - t0) / 1000000)) -le 2000 ]; then
        it_pass "every line is a row within 2 s ($(lines) lines; $(((t1 - t0) / 1000000)) ms after the files settled)"
    else
        it_fail "rows $(rows), lines $(lines) 2 s after the files settled"
    fi
}

# follow_same WHAT ARGS...: emgdiag-follow ARGS prints the same from the
# database at $URI as from the files in $L ($FOLLOW, the tool).
follow_same() {
    local what=$1
    shift
    "$FOLLOW" --dir "$L" "$@" >"$IT_DIR/f.files" 2>"$IT_DIR/f.files.err"
    "$FOLLOW" --db "$URI" "$@" >"$IT_DIR/f.db" 2>"$IT_DIR/f.db.err"
    if [ -s "$IT_DIR/f.files" ] && cmp -s "$IT_DIR/f.files" "$IT_DIR/f.db"; then
        it_pass "emgdiag-follow --db ${URI%%:*}:… $*: the same output as from the files ($what)"
    else
        it_fail "emgdiag-follow --db ${URI%%:*}:… $*: differs from the files ($what)"
        diff "$IT_DIR/f.files" "$IT_DIR/f.db" | head -10
        cat "$IT_DIR/f.db.err"
    fi
}

# trace_same WHAT ARGS...: emgdiag-trace ARGS prints the same output,
# whole, with the same exit status, from the database at $URI (node
# $NODE) as from the files in $L ($EMGDIAG_TRACE, the tool).
trace_same() {
    local what=$1 trace=${EMGDIAG_TRACE:?set EMGDIAG_TRACE} rf rd
    shift
    "$trace" -d "$L" "$@" >"$IT_DIR/t.files" 2>"$IT_DIR/t.files.err"
    rf=$?
    "$trace" --db "$URI" --node "$NODE" "$@" >"$IT_DIR/t.db" 2>"$IT_DIR/t.db.err"
    rd=$?
    if [ -s "$IT_DIR/t.files" ] && [ "$rf" = 0 ] && [ "$rd" = "$rf" ] && cmp -s "$IT_DIR/t.files" "$IT_DIR/t.db"; then
        it_pass "emgdiag-trace --db ${URI%%:*}:… $*: the same $(wc -l <"$IT_DIR/t.db") lines as from the files ($what)"
    else
        it_fail "emgdiag-trace --db ${URI%%:*}:… $*: exit $rd, files $rf; differs from the files ($what)"
        diff "$IT_DIR/t.files" "$IT_DIR/t.db" | head -10
        cat "$IT_DIR/t.db.err"
    fi
}

# trace_same_messages: trace_same for the client's id of the first message,
# the uuid of the last and every message to the first one's destination,
# each taken from $L/message.osb as a user would.
trace_same_messages() {
    local first_id last_uuid dest
    first_id=$(sed -nE 's/.* CLIENT_SUBMIT .* id="([^"]*)".*/\1/p' "$L/message.osb" | head -n 1)
    last_uuid=$(sed -nE 's/.* FORWARD uuid="([^"]*)".*/\1/p' "$L/message.osb" | tail -n 1)
    dest=$(sed -nE 's/.* CLIENT_SUBMIT .* to="([^"]*)".*/\1/p' "$L/message.osb" | head -n 1)
    trace_same "the client's id of the first message" "$first_id"
    trace_same "the uuid of the last message" "$last_uuid"
    trace_same "every message to its destination" --to "$dest"
}

# trace_indexed WHAT ID TABLE_ROWS: emgdiag-trace --db of ID reads fewer
# rows than the TABLE_ROWS of messagelog (--db-stats), and prints the same
# as when it reads every row (EMGDIAG_TRACE_DB_ALL, the read before the
# search by id): the indexes are what answered.
trace_indexed() {
    local what=$1 id=$2 table=$3 trace=${EMGDIAG_TRACE:?set EMGDIAG_TRACE} n all
    "$trace" --db "$URI" --node "$NODE" --db-stats "$id" >"$IT_DIR/t.ix" 2>"$IT_DIR/t.ix.err"
    EMGDIAG_TRACE_DB_ALL=1 "$trace" --db "$URI" --node "$NODE" --db-stats "$id" >"$IT_DIR/t.all" 2>"$IT_DIR/t.all.err"
    n=$(sed -nE 's/^emgdiag-trace: ([0-9]+) messagelog rows read$/\1/p' "$IT_DIR/t.ix.err")
    all=$(sed -nE 's/^emgdiag-trace: ([0-9]+) messagelog rows read$/\1/p' "$IT_DIR/t.all.err")
    if [ -n "$n" ] && [ "$all" = "$table" ] && [ "$n" -lt "$table" ] && cmp -s "$IT_DIR/t.ix" "$IT_DIR/t.all"; then
        it_pass "emgdiag-trace --db ${URI%%:*}:… $id: $n of the $table rows read, the same output as reading all ($what)"
    else
        it_fail "emgdiag-trace --db ${URI%%:*}:… $id: rows read '$n', all '$all', table $table, or the outputs differ ($what)"
        diff "$IT_DIR/t.all" "$IT_DIR/t.ix" | head -10
        cat "$IT_DIR/t.ix.err"
    fi
}

# trace_every_id TABLE_ROWS: trace_same and trace_indexed for every kind of
# id a message has (docs/message-log.md#following-a-message), each taken
# from the message logs in $L as a user would: the client's id, the uuid,
# the DLR key, the second id of a concatenated message, the SMSC's id raw
# and as stored, the id of a receipt sent to the client; and an id nobody
# has (nothing printed, exit 1 both ways, no row read).  The logs must
# hold a concatenated message and receipts (client.pl --concat --dlr,
# smsc.pl --receipts).
trace_every_id() {
    local table=$1 trace=${EMGDIAG_TRACE:?set EMGDIAG_TRACE} what id n absent rf rd
    while IFS='|' read -r what id; do
        if [ -z "$id" ]; then
            it_fail "no $what in the message logs of $L"
            continue
        fi
        trace_same "$what" "$id"
        trace_indexed "$what" "$id" "$table"
    done <<EOF_IDS
the client's id|$(sed -nE 's/.* CLIENT_SUBMIT .* id="([^"]*)".*/\1/p' "$L/message.osb" | head -n 1)
the uuid|$(sed -nE 's/.* FORWARD uuid="([^"]*)".*/\1/p' "$L/message.osb" | head -n 1)
the DLR key|$(sed -nE 's/.* FORWARD .* dlr-key="([^"]*)".*/\1/p' "$L/message.osb" | tail -n 1)
the second id of a concatenated message|$(sed -nE 's/.* FORWARD .* ids="[^";]*;([^";]*).*/\1/p' "$L/message.osb" | head -n 1)
the SMSC's id raw|$(sed -nE 's/.* SUBMIT_RESP .* id-raw="([^"]*)".*/\1/p' "$L/message.bearerbox" | tail -n 1)
the SMSC's id as stored|$(sed -nE 's/.* SUBMIT_RESP .* id="([^"]*)".*/\1/p' "$L/message.bearerbox" | tail -n 1)
the id of a receipt sent to the client|$(sed -nE 's/.* DLR_TO_CLIENT .* id="([^"]*)".*/\1/p' "$L/message.osb" | tail -n 1)
EOF_IDS
    absent="absent-$RANDOM-id"
    "$trace" -d "$L" "$absent" >"$IT_DIR/t.files" 2>/dev/null
    rf=$?
    "$trace" --db "$URI" --node "$NODE" --db-stats "$absent" >"$IT_DIR/t.db" 2>"$IT_DIR/t.db.err"
    rd=$?
    n=$(sed -nE 's/^emgdiag-trace: ([0-9]+) messagelog rows read$/\1/p' "$IT_DIR/t.db.err")
    it_assert_eq "$rf:$rd:$(cat "$IT_DIR/t.files" "$IT_DIR/t.db" | wc -c):$n" "1:1:0:0" \
        "emgdiag-trace --db ${URI%%:*}:… of an id nobody has: exit 1 as from the files, nothing printed, no row read"
}

# db_backend_built URI NAME: 0 unless the tools refuse URI because this
# build lacks the back-end NAME (PostgreSQL, MariaDB/MySQL): configure
# --without-pgsql or --without-mysql.
db_backend_built() {
    ! "${EMGDIAG_DB:?set EMGDIAG_DB}" version "$1" 2>&1 | grep -qF "this build has no $2 back-end"
}

# pg_usable, my_usable: 0 when this build has the back-end and this
# machine the server to test it with; else the scenario is reported
# skipped, with why, and 1.
pg_usable() {
    if ! db_backend_built "postgresql:///emg" PostgreSQL; then
        it_skip "PostgreSQL: this build has no such back-end (configure --without-pgsql)"
    elif [ ! -x "$PG_BIN/postgres" ] || ! command -v psql >/dev/null || ! db_user; then
        it_skip "PostgreSQL: needs PostgreSQL 15 ($PG_BIN), psql and an unprivileged user $DB_USER"
    else
        return 0
    fi
    return 1
}
my_usable() {
    if ! db_backend_built "mysql:///emg" MariaDB/MySQL; then
        it_skip "MariaDB: this build has no such back-end (configure --without-mysql)"
    elif ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null ||
        ! command -v mariadb >/dev/null; then
        it_skip "MariaDB: needs MariaDB 10.11 (mariadbd, mariadb-install-db, mariadb)"
    else
        return 0
    fi
    return 1
}

# db_refused TYPE NAME ATTRS URI: in a build without the back-end, its
# refusals are what there is to prove (docs/database.md): emgdiag-db,
# emgdiag-follow --db and emgdiag-trace --db refuse URI, and bearerbox
# refuses at load a configuration with <database type=TYPE ATTRS/>, each
# with a line saying "this build has no NAME back-end".
db_refused() {
    local type=$1 name=$2 attrs=$3 uri=$4 msg out rc
    msg="this build has no $name back-end"
    out=$("${EMGDIAG_DB:?}" version "$uri" 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] && grep -qF "$msg" <<<"$out" && it_pass "emgdiag-db version ${uri%%:*}:…: exit $rc, $msg" ||
        it_fail "emgdiag-db version $uri: exit $rc, '$out'"
    out=$("${EMGDIAG_FOLLOW:?}" --db "$uri" c 0 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] && grep -qF "$msg" <<<"$out" && it_pass "emgdiag-follow --db ${uri%%:*}:…: exit $rc, $msg" ||
        it_fail "emgdiag-follow --db $uri: exit $rc, '$out'"
    if [ -n "${EMGDIAG_TRACE:-}" ]; then
        out=$("$EMGDIAG_TRACE" --db "$uri" some-id 2>&1)
        rc=$?
        [ "$rc" -ne 0 ] && grep -qF "$msg" <<<"$out" && it_pass "emgdiag-trace --db ${uri%%:*}:…: exit $rc, $msg" ||
            it_fail "emgdiag-trace --db $uri: exit $rc, '$out'"
    fi
    mkdir -p "$IT_DIR/refused-logs"
    printf '%s\n' '<emgdiag>' "  <logs dir=\"$IT_DIR/refused-logs\"/>" "  <database type=\"$type\" $attrs/>" \
        '</emgdiag>' >"$IT_DIR/refused.xml"
    box_bearerbox_conf "$IT_DIR/refused.conf" "$IT_DIR/refused.xml"
    sed -i "s|^log-file = .*|log-file = $IT_DIR/refused.log|" "$IT_DIR/refused.conf"
    it_start refused "$BEARERBOX" "$IT_DIR/refused.conf"
    it_wait_exit refused 15
    it_stop refused
    rc=$?
    if [ "$rc" -ne 0 ] &&
        grep -E ' ERROR: ' "$IT_DIR/refused.log" 2>/dev/null |
        grep -qF "$IT_DIR/refused.xml:3: <database type=\"$type\">: $msg"; then
        it_pass "bearerbox refuses <database type=\"$type\"> at load (exit $rc): $msg"
    else
        it_fail "bearerbox with <database type=\"$type\">: exit $rc, no ERROR line saying $msg"
        it__tail "$IT_DIR/refused.log" 5
    fi
}

# box_db_libraries NAME PQ MY: the box NAME (running, its sink open) has
# loaded libpq when PQ is 1 and not when 0, MariaDB Connector/C likewise
# (MY): the module links neither and loads one only for a target of its
# back-end (docs/install.md).  Read from the process's memory map.
box_db_libraries() {
    local name=$1 want_pq=$2 want_my=$3 pid maps has_pq=0 has_my=0
    pid=$(it_pid "$name")
    maps=$(cat "/proc/$pid/maps" 2>/dev/null)
    if ! grep -q 'emgdiag\.so' <<<"$maps"; then
        it_fail "$name: no emgdiag.so in /proc/$pid/maps"
        return 1
    fi
    grep -q '/libpq\.so' <<<"$maps" && has_pq=1
    grep -q '/libmariadb\.so' <<<"$maps" && has_my=1
    it_assert_eq "libpq $has_pq, libmariadb $has_my" "libpq $want_pq, libmariadb $want_my" \
        "$name: in its memory libpq $want_pq, libmariadb $want_my (1: loaded, 0: not)"
}
