#!/bin/bash
# The host side of the hook ABI (include/emgdiag_hook.h, docs/install.md),
# in the real patched bearerbox and opensmppbox:
#  1. A module of an older minor version has a shorter table.  hostprobe.c
#     builds one whose `size` ends before `reopen` and whose memory ends
#     there too, at a PROT_NONE guard page.  Both boxes run sessions through
#     it, take a SIGHUP (reopen and reload lie past the table) and stop
#     cleanly: no crash, and every hook inside the table was called.
#  2. The control: the same table claiming the full size.  A host then reads
#     `reopen` on SIGHUP, inside the guard page, and bearerbox dies of
#     SIGSEGV, as the old host died with the short table (it never tested
#     `size`): the guard page is where the test says it is.
#  3. A refused module (ABI major + 1) whose entry point started a thread:
#     the box calls its `shutdown` before unloading it and exits with one
#     error line, no SIGSEGV (badabi.c built with -DBADABI_THREAD).
#  4. ABI 1.1: a client session that opensmppbox closes because its
#     bearerbox connection ended is reported with reason 7,
#     EMGDIAG_DISC_BEARERBOX_LINK: when bearerbox stops cleanly and when it
#     is killed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init host_abi

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
MINOR=$(sed -nE 's/^#define EMGDIAG_ABI_MINOR ([0-9]+).*/\1/p' "$TOP/include/emgdiag_hook.h")
MAJOR=$(sed -nE 's/^#define EMGDIAG_ABI_MAJOR ([0-9]+).*/\1/p' "$TOP/include/emgdiag_hook.h")
REASON_LINK=$(sed -nE 's/^ *EMGDIAG_DISC_BEARERBOX_LINK = ([0-9]+).*/\1/p' "$TOP/include/emgdiag_hook.h")
ROLE_SERVER=$(sed -nE 's/^ *EMGDIAG_ROLE_SERVER = ([0-9]+).*/\1/p' "$TOP/include/emgdiag_hook.h")

# build NAME SOURCE [CFLAGS...]: a test module $IT_DIR/NAME.so.
build() {
    local name=$1 src=$2
    shift 2
    if ! cc -std=gnu11 -shared -fPIC -pthread -I"$TOP/include" "$@" -o "$IT_DIR/$name.so" \
        "$TOP/tests/integration/$src" 2>"$IT_DIR/cc-$name.err"; then
        it_fail "cannot build $name.so from $src"
        it__tail "$IT_DIR/cc-$name.err"
        it_summary
        exit 1
    fi
}
build probe hostprobe.c
build probelie hostprobe.c -DPROBE_SIZE_LIES
build badthread badabi.c -DBADABI_THREAD

# hook CONF GROUP MODULE CONFIG: hook lines into the first group GROUP.
hook() {
    printf 'hook-module = %s\nhook-config = %s\n' "$3" "$4" >"$1.hook"
    sed -i "0,/^group = $2\$/{/^group = $2\$/r $1.hook
}" "$1"
}

# exit_status NAME TIMEOUT: waits for NAME to end by itself; sets STATUS to
# its exit status ("running" when it had to be stopped).  Not in $(...):
# only this shell can reap its children.
exit_status() {
    if it_wait_exit "$1" "$2" >/dev/null; then
        it_stop "$1"
        STATUS=$?
    else
        it_stop "$1"
        STATUS=running
    fi
}

# stop_status NAME: SIGTERM; sets STATUS to its exit status.
stop_status() {
    it_stop "$1"
    STATUS=$?
}

count() {
    local n
    n=$(grep -Ec -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}

SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10

# ---------------------------------------------------------------------------
# 1. The short table in both boxes.
BBREC=$IT_DIR/bb.rec
OSBREC=$IT_DIR/osb.rec
box_bearerbox_conf "$IT_DIR/bb.conf" ""
hook "$IT_DIR/bb.conf" core "$IT_DIR/probe.so" "$BBREC"
box_smsc_smpp "$IT_DIR/bb.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
printf 'probe1 pw1 x\nprobe2 pw2 x\nhold1 pwh1 x\nhold2 pwh2 x\n' >"$IT_DIR/logins"
box_osb_conf "$IT_DIR/osb.conf" "" "$OSB_PORT" "$IT_DIR/logins"
hook "$IT_DIR/osb.conf" opensmppbox "$IT_DIR/probe.so" "$OSBREC"
box_start bb "$IT_DIR/bb.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"

it_assert_line "$BBREC" "^entry box=1 minor=$MINOR$" "bearerbox passes its table (minor $MINOR) to the probe"
it_assert_line "$IT_DIR/bearerbox.log" "emgdiag: loaded $IT_DIR/probe.so \(hostprobe .*, ABI $MAJOR\.0\)" \
    "bearerbox loads the short-table module"
it_wait_line "$BBREC" '^pdu [0-9]+ dir=0 len=[0-9]+ flags=0$' 20 &&
    it_pass "bearerbox: its SMPP session reports the bind response read"
it_assert_line "$BBREC" '^connect_ok 1$' "bearerbox: connect_ok through the short table"

it_start c1 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id probe1 \
    --password pw1 --submit 1 --unbind
it_wait_exit c1 30
it_assert_eq "$(peer_field "$IT_DIR/c1.out" bind status)" 0 "opensmppbox: bind through the short table answered 0"
it_assert_eq "$(peer_field "$IT_DIR/c1.out" submit status)" 0 "opensmppbox: submit_sm answered 0"
it_wait_line "$OSBREC" '^session_close 1$' 10
it_assert_line "$OSBREC" '^accept_check 127\.0\.0\.1$' "opensmppbox: accept_check called"
it_assert_line "$OSBREC" "^session_open 1 role=$ROLE_SERVER id=osb$" "opensmppbox: session_open called"
it_assert_line "$OSBREC" '^bind_check 1 system_id=probe1 credentials_ok=1$' "opensmppbox: bind_check called"
# bind, submit_sm, unbind read and their three responses written.
it_assert_eq "$(count "$OSBREC" '^pdu 1 dir=0 ')" 3 "opensmppbox: three PDUs read reported"
it_assert_eq "$(count "$OSBREC" '^pdu 1 dir=1 ')" 3 "opensmppbox: three PDUs written reported"
it_assert_line "$OSBREC" '^disconnected 1 reason=[0-9]+ err=0$' "opensmppbox: disconnected called"

# SIGHUP: reopen and reload lie past the table.  bearerbox reopens and
# restarts gracefully, opensmppbox reopens and reloads in its accept loop.
kill -HUP "$(it_pid bb)"
kill -HUP "$(it_pid osb)"
it_wait_line "$IT_DIR/bearerbox.log" 'SIGHUP received' 10
it_wait_line "$IT_DIR/opensmppbox.log" 'SIGHUP received' 10
sleep 3
it__alive "$(it_pid bb)" && it_pass "bearerbox survives SIGHUP with the short table" ||
    it_fail "bearerbox died after SIGHUP with the short table"
it__alive "$(it_pid osb)" && it_pass "opensmppbox survives SIGHUP with the short table" ||
    it_fail "opensmppbox died after SIGHUP with the short table"
# Sessions go on after it.
it_start c2 node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" --system-id probe2 \
    --password pw2 --submit 1 --unbind
it_wait_exit c2 30
it_assert_eq "$(peer_field "$IT_DIR/c2.out" submit status)" 0 "after SIGHUP: a node-smpp client submits through opensmppbox"
it_wait_line "$OSBREC" '^session_close 2$' 10

# ---------------------------------------------------------------------------
# 4. ABI 1.1: bearerbox stops cleanly under a held session, then is killed
# under another; each session ends with reason 7.
it_start h1 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id hold1 \
    --password pwh1 --hold 60
it_wait_line "$OSBREC" '^bind_check 3 system_id=hold1 credentials_ok=1$' 15
stop_status bb
it_assert_eq "$STATUS" 0 "bearerbox with the short table stops cleanly (exit 0)"
it_wait_line "$OSBREC" '^disconnected 3 ' 15
it_assert_line "$OSBREC" "^disconnected 3 reason=$REASON_LINK err=0$" \
    "bearerbox stopped: the held session ends with reason $REASON_LINK (bearerbox link)"
it_wait_exit h1 15
box_start bb2 "$IT_DIR/bb.conf"
it_start h2 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id hold2 \
    --password pwh2 --hold 60
it_wait_line "$OSBREC" '^bind_check 4 system_id=hold2 credentials_ok=1$' 15
kill -KILL "$(it_pid bb2)"
it_stop bb2
it_wait_line "$OSBREC" '^disconnected 4 ' 15
it_assert_line "$OSBREC" "^disconnected 4 reason=$REASON_LINK err=0$" \
    "bearerbox killed: the held session ends with reason $REASON_LINK (bearerbox link)"
it_wait_exit h2 15
stop_status osb
it_assert_eq "$STATUS" 0 "opensmppbox with the short table stops cleanly (exit 0)"
it_assert_eq "$(count "$OSBREC" '^session_open ')" "$(count "$OSBREC" '^session_close ')" \
    "opensmppbox: every session opened was closed"

# ---------------------------------------------------------------------------
# 2. Control: `size` claims the whole table, the memory still ends at reopen.
box_bearerbox_conf "$IT_DIR/lie.conf" ""
sed -i "s|^log-file = .*|log-file = $IT_DIR/lie.log|" "$IT_DIR/lie.conf"
hook "$IT_DIR/lie.conf" core "$IT_DIR/probelie.so" "$IT_DIR/lie.rec"
box_smsc_smpp "$IT_DIR/lie.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
box_start lie "$IT_DIR/lie.conf"
it_wait_line "$IT_DIR/lie.rec" '^connect_ok 1$' 20
kill -HUP "$(it_pid lie)"
exit_status lie 15
it_assert_eq "$STATUS" 139 \
    "control: a table whose size covers reopen makes bearerbox read the guard page on SIGHUP (SIGSEGV)"

# ---------------------------------------------------------------------------
# 3. A refused module with a running thread.
box_bearerbox_conf "$IT_DIR/bad.conf" ""
sed -i "s|^log-file = .*|log-file = $IT_DIR/bad.log|" "$IT_DIR/bad.conf"
hook "$IT_DIR/bad.conf" core "$IT_DIR/badthread.so" "$IT_DIR/bad.marker"
it_start bad "$BEARERBOX" "$IT_DIR/bad.conf"
exit_status bad 15
it_assert_eq "$STATUS" 1 "refused module with a thread: bearerbox exits 1, not by a signal"
it_assert_eq "$(count "$IT_DIR/bad.log" ' (ERROR|PANIC): ')" 1 "refused module with a thread: one error line"
it_assert_line "$IT_DIR/bad.log" "^$TS \[[0-9]+\] \[[0-9]+\] ERROR: emgdiag: $IT_DIR/badthread\.so: module ABI $((MAJOR + 1))\.0, this host needs $MAJOR\.x$" \
    "refused module with a thread: the line names the file and the versions"
it_assert_line "$IT_DIR/bad.marker" '^shutdown: thread stopped$' "refused module with a thread: its shutdown ran before the unload"

it_summary
