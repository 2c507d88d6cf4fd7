#!/bin/bash
# A reload of a large configuration does not keep clients waiting
# (install.md, emgdiag(7) SIGNALS).  opensmppbox runs the module's reload
# from its accept loop; the module parses, checks and swaps the new file on
# a thread of its own, so a client that connects while a 4 MiB file (110,000
# users; the loader accepts up to 4 MiB) is being loaded is
# accepted and answered at once.  The test times each bind from the client's
# own connect to its response, and the reload from the signal to its CONFIG
# LOADED line: every bind made during the reload is answered in less than a
# third of the reload's time, and the new file is in force afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init reload_big

# Debian's own interpreter starts in tens of milliseconds (a version
# manager's shim may take a second): the binds must come during the reload.
PY=$(command -v /usr/bin/python3 || command -v python3)
box_upstream

L=$IT_DIR/logs
mkdir -p "$L"
# big DEFAULT USERS: a configuration whose <users default=DEFAULT> lists
# USERS users `filler1`... with no <allow>, so none of them may bind; the
# test's clients (big3...) are not listed, so DEFAULT decides for them.
big() {
    awk -v dflt="$1" -v users="$2" -v dir="$L" 'BEGIN {
        printf "<emgdiag>\n  <logs dir=\"%s\"/>\n", dir
        printf "  <connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\"/>\n"
        printf "  <users default=\"%s\">\n", dflt
        for (k = 1; k <= users; k++)
            printf "    <user system-id=\"filler%d\"/>\n", k
        printf "  </users>\n</emgdiag>\n"
    }'
}
big deny 2 >"$IT_DIR/emg.xml"
for k in 1 2 3 4 5 6; do echo "big$k secret x"; done >"$IT_DIR/logins"
PORT=$(it_port)
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$PORT" "$IT_DIR/logins"
box_start osb "$IT_DIR/osb.conf" "$PORT"
it_wait_line "$L/general" 'CONFIG LOADED' 10

# The client: connects, binds, prints the milliseconds from its connect to
# the bind's response and the status, unbinds.
cat >"$IT_DIR/bind.py" <<'PY'
import socket, struct, sys, time
port, system_id = int(sys.argv[1]), sys.argv[2].encode()
body = system_id + b"\0secret\0\0\x34\0\0\0"
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(struct.pack(">IIII", 16 + len(body), 9, 0, 1) + body)
head = b""
s.settimeout(30)
while len(head) < 16:
    chunk = s.recv(16 - len(head))
    if not chunk:
        sys.exit("closed before the bind response")
    head += chunk
length, cid, status, seq = struct.unpack(">IIII", head)
ms = (time.monotonic() - t0) * 1000
s.recv(length - 16) if length > 16 else None
s.sendall(struct.pack(">IIII", 16, 6, 0, 2))
print("BIND %d %.0f" % (status, ms))
PY

# Before: big3 is not in the file, so its bind is refused.
it_start before "$PY" "$IT_DIR/bind.py" "$PORT" big3
it_wait_exit before 20
it_assert_eq "$(cut -d' ' -f1-2 "$IT_DIR/before.out")" "BIND 14" "before the reload: big3 is refused (default deny)"

big allow 110000 >"$IT_DIR/emg.xml"
size=$(stat -c %s "$IT_DIR/emg.xml")
it_assert_eq "$((size > 3 * 1024 * 1024 && size <= 4 * 1024 * 1024))" 1 "the new file is $size octets (3 to 4 MiB)"
loaded=$(grep -c 'CONFIG \(LOADED\|REJECTED\)' "$L/general")
t_hup=$(date +%s%N)
kill -HUP "$(it_pid osb)"
# Three clients connect at once while the file loads.
for k in 4 5 6; do
    it_start "during$k" "$PY" "$IT_DIR/bind.py" "$PORT" "big$k"
done
for k in 4 5 6; do
    it_wait_exit "during$k" 30
done
t_clients=$(date +%s%N)
deadline=$((SECONDS + 60))
while [ "$(grep -c 'CONFIG \(LOADED\|REJECTED\)' "$L/general")" -le "$loaded" ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.05
done
t_loaded=$(date +%s%N)
it_assert_eq "$(tail -n 1 "$L/general" | grep -o 'CONFIG [A-Z]*')" "CONFIG LOADED" "the big file was loaded"

reload_ms=$(((t_loaded - t_hup) / 1000000))
clients_ms=$(((t_clients - t_hup) / 1000000))
echo "reload: ${reload_ms} ms from SIGHUP to CONFIG LOADED; three binds done ${clients_ms} ms after SIGHUP"
if [ "$clients_ms" -lt "$reload_ms" ]; then
    it_pass "the three binds were done before the reload was (${clients_ms} ms < ${reload_ms} ms)"
else
    it_fail "the binds took ${clients_ms} ms, the reload ${reload_ms} ms: the binds waited for it"
fi
for k in 4 5 6; do
    read -r word status ms <"$IT_DIR/during$k.out"
    it_assert_eq "$word $status" "BIND 14" "during the reload: big$k answered by the old lists (14)"
    if [ "${ms:-99999}" -lt $((reload_ms / 3)) ]; then
        it_pass "during the reload: big$k answered in ${ms} ms (reload ${reload_ms} ms)"
    else
        it_fail "during the reload: big$k answered in ${ms:-?} ms, not under a third of the reload's ${reload_ms} ms"
    fi
done

# After: the new lists are in force.
it_start after "$PY" "$IT_DIR/bind.py" "$PORT" big3
it_wait_exit after 20
it_assert_eq "$(cut -d' ' -f1-2 "$IT_DIR/after.out")" "BIND 0" "after the reload: big3 binds (the new file's default allow)"

it_stop osb
it_stop bb
it_stop smsc
it_summary
