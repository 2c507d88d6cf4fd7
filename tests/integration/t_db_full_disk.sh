#!/bin/bash
# The SQLite database on a full disk (docs/database.md, "Writing").
# opensmppbox writes its rows to a database on a small tmpfs that this test
# fills while a client binds, submits and unbinds; its log files are on
# another disk.  The session is unaffected, the files are complete, the
# rows resume once there is room again (every line of the third session is
# a row), the lines without a row are
# exactly the count of the `general` line DATABASE ROWS DROPPED (whose
# reason says the disk is full), and the metric
# emgdiag_database_rows_dropped_total in the node-exporter textfile says
# the same.  Time budget: about 20 s.
#
# The test runs in a mount namespace of its own (it re-executes itself
# under unshare), so the tmpfs exists only for it and its boxes.
if [ -z "${IT_DB_FULL_DISK_NS:-}" ] && unshare --mount --propagation private true 2>/dev/null; then
    exec unshare --mount --propagation private env IT_DB_FULL_DISK_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init db_full_disk

if [ -z "${IT_DB_FULL_DISK_NS:-}" ]; then
    it_skip "needs root and unshare --mount for a tmpfs of its own"
    it_summary
    exit $?
fi

P=$TOP/tests/peers
SUBMITS=30
L=$IT_DIR/logs
F=$IT_DIR/dbfs
DB=$F/emg.db
mkdir -p "$L" "$F"
# 8 MiB: room enough for the schema and the WAL of the first session
# (a new file has 16 KiB pages: the empty schema alone is 28 of them, and
# each commit adds a frame for every page it changed); the second session
# fills whatever is left.
mount -t tmpfs -o size=8m,mode=0750 emgdiag-db-full "$F" || {
    it_fail "cannot mount a tmpfs on $F"
    it_summary
    exit 1
}

box_upstream
printf '%s\n' '<emgdiag>' \
    "  <logs dir=\"$L\" format=\"both\" timezone=\"utc\"/>" \
    '  <connector name="in" type="incoming" opensmppbox-id="osb"/>' \
    "  <database type=\"sqlite\" file=\"$DB\" node=\"gw1\"/>" \
    "  <metrics box=\"opensmppbox\" textfile=\"$IT_DIR/osb.prom\" interval=\"1\"/>" \
    '</emgdiag>' >"$IT_DIR/emg.xml"
echo "filler secret x" >"$IT_DIR/logins"
OSB_PORT=$(it_port)
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_wait_line "$L/general" 'CONFIG LOADED' 10

sessions=0
session() {
    it_start "client$1" node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" \
        --system-id filler --password secret --submit "$SUBMITS" --unbind --timeout 20
    it_wait_exit "client$1" 60
    sessions=$((sessions + 1))
}
lines() { cat "$L/connector.in" "$L/pdu.in" 2>/dev/null | wc -l; }
rows() { sqlite3 "$DB" 'SELECT (SELECT count(*) FROM connectorlog) + (SELECT count(*) FROM pdulog)' 2>/dev/null; }
# settles A B: until A and B print the same (synchronisation only; 5 s at
# most)
settles() {
    local i
    for ((i = 0; i < 50; i++)); do
        [ "$("$1")" = "$("$2")" ] && return 0
        sleep 0.1
    done
    return 1
}
# until every line so far is a row
caught_up() { settles rows lines; }

session 1
if caught_up; then
    it_pass "with room: every line a row ($(rows))"
else
    it_fail "with room: rows $(rows), lines $(lines)"
    grep 'DATABASE ROWS DROPPED' "$L/general"
fi
# The disk full: dd stops at ENOSPC.
dd if=/dev/zero of="$F/.filler" bs=4k 2>/dev/null
sync
session 2
sleep 1
rm -f "$F/.filler"
# With room again, a third session: its rows are written, and the report.
session 3
it_wait_line "$L/general" 'DATABASE ROWS DROPPED' 15
caught_up
# the third session's rows, all of them: its 3 connector lines and its
# 4 + 2 * SUBMITS pdu lines (the session of the last connector row)
last_rows() {
    sqlite3 "$DB" "SELECT (SELECT count(*) FROM connectorlog WHERE session = s.v)
        + (SELECT count(*) FROM pdulog WHERE session = s.v)
        FROM (SELECT session AS v FROM connectorlog ORDER BY id DESC LIMIT 1) s" 2>/dev/null
}
session_lines() { echo $((3 + 4 + 2 * SUBMITS)); }
settles last_rows session_lines
it_assert_eq "$(last_rows)" "$(session_lines)" \
    "with room again: every line of the third session is a row"
sleep 1.5 # one more textfile write after the report
it_stop osb

ok=1
for f in "$IT_DIR"/client*.out; do
    b=$(peer_field "$f" bind status)
    n=$(grep -c '"event":"submit","status":0' "$f")
    u=$(peer_field "$f" unbind status)
    if [ "$b" != 0 ] || [ "$n" != "$SUBMITS" ] || [ "$u" != 0 ]; then
        ok=0
        it_fail "$(basename "$f"): bind $b, $n submits answered 0, unbind $u (expected 0, $SUBMITS, 0)"
    fi
done
[ "$ok" = 1 ] && it_pass "$sessions sessions: each bound, had $SUBMITS submits answered and unbound"
it_assert_eq "$(wc -l <"$L/pdu.in")" $((sessions * (4 + 2 * SUBMITS))) "pdu.in complete: every PDU of every session"
it_assert_eq "$(wc -l <"$L/connector.in")" $((sessions * 3)) "connector.in complete"
dropped=$(sed -nE 's/.*DATABASE ROWS DROPPED count="([0-9]+)".*/\1/p' "$L/general" | awk '{s += $1} END {print s + 0}')
if [ "$dropped" -gt 0 ]; then
    it_pass "the full disk cost $dropped rows, reported in general"
else
    it_fail "no row was dropped: the disk was never full, the test proves nothing"
fi
it_assert_line "$L/general" 'DATABASE ROWS DROPPED count="[0-9]+" reason="[^"]*full' \
    "the report says the disk is full"
it_assert_eq "$(sed -nE 's/^emgdiag_database_rows_dropped_total\{box="opensmppbox"\} ([0-9]+)$/\1/p' "$IT_DIR/osb.prom")" \
    "$dropped" "emgdiag_database_rows_dropped_total in the textfile = the count reported"
if python3 "$TOP/tests/integration/db_compare.py" "$DB" "$L" --node gw1 --box in=opensmppbox \
    --box osb=opensmppbox --messages --missing "$dropped" >"$IT_DIR/compare.out" 2>&1; then
    it_pass "rows = file lines - $dropped dropped, each row field for field its JSON twin"
else
    it_fail "rows and files differ"
    grep -E '^DIFF|rror' "$IT_DIR/compare.out" | head -20
fi
it_assert_eq "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok "the database file is sound"

it_stop bb
it_stop smsc
umount "$F"
it_summary
