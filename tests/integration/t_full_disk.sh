#!/bin/bash
# Whole lines on a full disk (docs/connector-log.md#files, "Lost lines").
# opensmppbox writes its logs to a small tmpfs that this test fills up,
# again and again, while clients bind, submit and unbind.  A write(2) that
# the full disk cuts short must leave no half line behind: every text line
# still has the pdu-log or connector-log grammar, every .jsonl line is one
# JSON object, and for every file the lines present plus the lines
# reported DROPPED in general equal the lines the traffic called for,
# counted from the clients' own reports (3 connector lines and 4 + 2N pdu
# lines for a session that binds, submits N and unbinds).
#
# The test runs in a mount namespace of its own (it re-executes itself
# under unshare), so the tmpfs exists only for it and its boxes.
if [ -z "${IT_FULL_DISK_NS:-}" ] && unshare --mount --propagation private true 2>/dev/null; then
    exec unshare --mount --propagation private env IT_FULL_DISK_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init full_disk

if [ -z "${IT_FULL_DISK_NS:-}" ]; then
    it_skip "needs root and unshare --mount for a tmpfs of its own"
    it_summary
    exit $?
fi

P=$TOP/tests/peers
ROUNDS=3
SUBMITS=40
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

L=$IT_DIR/logs
mkdir -p "$L"
mount -t tmpfs -o size=256k,mode=0750 emgdiag-full-disk "$L" || {
    it_fail "cannot mount a tmpfs on $L"
    it_summary
    exit 1
}

box_upstream

cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L" format="both"/>
  <connector name="in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
echo "filler secret x" >"$IT_DIR/logins"
OSB_PORT=$(it_port)
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_wait_line "$L/general" 'CONFIG LOADED' 10

# fill: takes every free block of the tmpfs (dd stops at ENOSPC), then
# gives two pages back: some lines fit, and the write that reaches the end
# of the last free page is cut short.
fill() {
    dd if=/dev/zero of="$L/.filler" bs=4k 2>/dev/null
    truncate -s -8192 "$L/.filler"
    sync
}

# session K: one client binds, submits SUBMITS messages and unbinds.
sessions=0
session() {
    it_start "client$1" node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" \
        --system-id filler --password secret --submit "$SUBMITS" --unbind --timeout 20
    it_wait_exit "client$1" 60
    sessions=$((sessions + 1))
}

for ((r = 1; r <= ROUNDS; r++)); do
    fill
    session "$r"
    rm -f "$L/.filler"
    sleep 0.5
done
# With room again, one more session: its first lines bring the reports.
session last
it_wait_line "$L/general" 'DROPPED count=' 10
it_stop osb

# Every client did what the counts assume.
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

# The disk really was full: lines were lost.
dropped_total=$(grep -h 'DROPPED count=' "$L/general" | sed -E 's/.*DROPPED count="([0-9]+)".*/\1/' |
    awk '{ s += $1 } END { print s + 0 }')
if [ "$dropped_total" -gt 0 ]; then
    it_pass "the full disk cost lines: $dropped_total reported DROPPED"
else
    it_fail "no line was dropped: the disk was never full, the test proves nothing"
fi

# dropped FILE: the DROPPED count general reports for FILE.
dropped() {
    grep -h "DROPPED count=\"[0-9]*\" file=\"$1\"\$" "$L/general" |
        sed -E 's/.*DROPPED count="([0-9]+)".*/\1/' | awk '{ s += $1 } END { print s + 0 }'
}

account() {
    local file=$1 expected=$2 have lost
    have=$(wc -l <"$L/$file")
    lost=$(dropped "$file")
    it_assert_eq "$((have + lost))" "$expected" \
        "$file: $have lines + $lost dropped = the $expected the traffic called for"
}
account pdu.in $((sessions * (4 + 2 * SUBMITS)))
account pdu.in.jsonl $((sessions * (4 + 2 * SUBMITS)))
account connector.in $((sessions * 3))
account connector.in.jsonl $((sessions * 3))

# No torn line anywhere: text lines keep their grammar, JSON lines parse.
bad=$(grep -Evc "^$TS INFO  \(in,0\) (Read|Write) op:0x[0-9a-f]{8} \([A-Z_]+\) status:[0-9]+ trn:[0-9]+ datalen:[0-9]+( |$)" "$L/pdu.in")
it_assert_eq "$bad" 0 "pdu.in: every line has the pdu-log grammar"
# A torn line glued to the next one holds two timestamps.
bad=$(cat "$L/pdu.in" "$L/connector.in" "$L/general" | grep -Ec "$TS.*[^0-9]$TS")
it_assert_eq "$bad" 0 "text logs: no line holds the start of another"
bad=$(grep -Evc "^$TS \(0\) (CONNECT|LOGIN|DISCONNECT) (OK|ERR)( \(info=\"[^\"]*\"\))?$" "$L/connector.in")
it_assert_eq "$bad" 0 "connector.in: every line has the connector-log grammar"
bad=$(grep -Evc "^$TS (INFO |WARN |ERROR) \(opensmppbox\) (CONFIG LOADED|DROPPED) [a-z]+=\"[^\"]*\"( [a-z]+=\"[^\"]*\")*$" "$L/general")
it_assert_eq "$bad" 0 "general: every line has the general grammar"
for f in "$L"/*.jsonl; do
    if python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        obj = json.loads(line)
        assert isinstance(obj, dict) and line.endswith(b"\n")
    except Exception as e:
        sys.exit("%s:%d: %r" % (sys.argv[1], n, line[:80]))
' "$f"; then
        it_pass "$(basename "$f"): every line is one JSON object"
    else
        it_fail "$(basename "$f"): a line that is not one JSON object"
    fi
done

it_stop bb
it_stop smsc
umount "$L"
it_summary
