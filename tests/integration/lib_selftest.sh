#!/usr/bin/env bash
# lib_selftest.sh: proves lib.sh counts honestly before any test relies on it.
#
# A child test script with known outcomes (two passes, one deliberate
# failure, one skip, a process left running) is run in its own bash; this
# script then checks, with plain shell and without trusting lib.sh's
# counters, that the child's last line is exactly "2 passed, 1 failed,
# 1 skipped", that it exited non-zero, and that the process it left running
# was stopped.  The remaining helpers (it_port, it_wait_port, it_stop,
# it_wait_line's timeout) are exercised in a second child, and the
# whole-file comparisons in a fourth, one deliberate difference at a time.
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/emgdiag-it-selftest.XXXXXX") || exit 2
trap 'rm -rf -- "$work"' EXIT
failures=0

check() { # check CONDITION-STATUS MESSAGE
    if [ "$1" -eq 0 ]; then
        echo "ok: $2"
    else
        echo "NOT OK: $2"
        failures=$((failures + 1))
    fi
}

# --- child 1: counting ----------------------------------------------------
cat >"$work/child1.sh" <<EOF
. "$here/lib.sh"
it_init selftest1
echo "line one" >"\$IT_DIR/f"
it_assert_line "\$IT_DIR/f" '^line one\$' "a present line"
it_assert_eq abc abc "equal strings"
it_assert_eq abc abd "deliberately different strings"
it_skip "deliberately skipped"
it_start sleeper sleep 300
echo "\$(it_pid sleeper)" >"$work/sleeper.pid"
it_summary
EOF
out=$(bash "$work/child1.sh" 2>"$work/child1.err")
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
[ "$last" = "2 passed, 1 failed, 1 skipped" ]
check $? "last line counts the failure and the skip (got: $last)"
[ "$rc" -ne 0 ]
check $? "a failed assertion makes the test exit non-zero (rc=$rc)"
printf '%s\n' "$out" | grep -q '^FAIL: deliberately different strings'
check $? "the failing assertion is reported with its message"
pid=$(cat "$work/sleeper.pid" 2>/dev/null)
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null
check $? "a process left running is stopped at exit (pid $pid)"
grep -q 'scratch directory kept' "$work/child1.err"
check $? "a failed test keeps its scratch directory"
rm -rf "${TMPDIR:-/tmp}"/emgdiag-it.selftest1.*

# --- child 2: ports, waits, stop -------------------------------------------
cat >"$work/child2.sh" <<EOF
. "$here/lib.sh"
it_init selftest2
p1=\$(it_port); p2=\$(it_port)
[ "\$p1" -gt 0 ] && [ "\$p1" -lt 65536 ] && [ "\$p1" != "\$p2" ]
it_assert_eq \$? 0 "two distinct ports"
it_start listener perl -MIO::Socket::INET -e '
    my \$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => \$ARGV[0],
                                  Proto => "tcp", Listen => 1, ReuseAddr => 1) or die "\$!";
    \$| = 1; print "READY\n"; sleep 300;' "\$p1"
it_wait_line "\$IT_DIR/listener.out" '^READY\$' 10
it_wait_port "\$p1" 10 && it_pass "port seen listening"
pid=\$(it_pid listener)
it_stop listener
kill -0 "\$pid" 2>/dev/null
it_assert_eq \$? 1 "it_stop ended the process"
it_assert_no_line "\$IT_DIR/listener.out" 'ERROR' "no unexpected line"
it_summary
EOF
out=$(bash "$work/child2.sh" 2>"$work/child2.err")
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
[ "$last" = "4 passed, 0 failed" ] && [ "$rc" -eq 0 ]
check $? "ports, waits and stop work (got: $last, rc=$rc)"

cat >"$work/child3.sh" <<EOF
. "$here/lib.sh"
it_init selftest3
echo "nothing useful" >"\$IT_DIR/log"
it_wait_line "\$IT_DIR/log" '^never' 1
it_summary
EOF
out=$(bash "$work/child3.sh" 2>"$work/child3.err")
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
[ "$last" = "0 passed, 1 failed" ] && [ "$rc" -ne 0 ]
check $? "a wait that times out counts as a failure (got: $last, rc=$rc)"
grep -q '| nothing useful' "$work/child3.err"
check $? "the timeout shows the file's tail"
rm -rf "${TMPDIR:-/tmp}"/emgdiag-it.selftest3.*

# --- child 4: whole-file comparisons fail on every kind of difference -----
# Each case is one it_assert_* call on a log written here; the child prints
# "CASE <name> <status>" so that the outcome of each is checked one by one.
cat >"$work/child4.sh" <<EOF
. "$here/lib.sh"
it_init selftest4
EOF
cat >>"$work/child4.sh" <<'EOF'
T1='2026-01-02 03:04:05.000001'
T2='2026-01-02 03:04:05.000002'
T3='2026-01-02 03:04:06.000000'
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 S")' '(0) DISCONNECT OK' >"$IT_DIR/want"
log() { printf '%s\n' "$@" >"$IT_DIR/log"; }
case_() { "$@" >/dev/null 2>>"$IT_DIR/why"; echo "CASE $NAME $?"; }
NAME=same; log "$T1 (0) CONNECT OK" "$T2 (0) LOGIN OK (info=\"0 S\")" "$T3 (0) DISCONNECT OK"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want" same
NAME=extra; log "$T1 (0) CONNECT OK" "$T2 (0) LOGIN OK (info=\"0 S\")" "$T2 (0) LOGIN OK (info=\"0 S\")" "$T3 (0) DISCONNECT OK"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want" extra
NAME=missing; log "$T1 (0) CONNECT OK" "$T3 (0) DISCONNECT OK"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want" missing
NAME=order; log "$T1 (0) LOGIN OK (info=\"0 S\")" "$T2 (0) CONNECT OK" "$T3 (0) DISCONNECT OK"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want" order
NAME=changed; log "$T1 (0) CONNECT OK" "$T2 (0) LOGIN OK (info=\"0 T\")" "$T3 (0) DISCONNECT OK"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want" changed
NAME=backwards; log "$T2 (0) CONNECT OK" "$T1 (0) LOGIN OK (info=\"0 S\")" "$T3 (0) DISCONNECT OK"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want" backwards
NAME=badstamp; log "$T1 (0) CONNECT OK" "2026-01-02 03:04:05.2 (0) LOGIN OK (info=\"0 S\")" "$T3 (0) DISCONNECT OK"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want" badstamp
NAME=nofile; case_ it_assert_file "$IT_DIR/nothing" "$IT_DIR/want" nofile
# "#any-order N": those N lines in either order, the others not.
printf '%s\n' '(0) CONNECT OK' '#any-order 2' '(0) LOGIN OK (info="0 S")' '(0) DISCONNECT OK' >"$IT_DIR/want1"
NAME=any-order; log "$T1 (0) CONNECT OK" "$T2 (0) DISCONNECT OK" "$T3 (0) LOGIN OK (info=\"0 S\")"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want1" any-order
NAME=any-order-outside; log "$T1 (0) DISCONNECT OK" "$T2 (0) CONNECT OK" "$T3 (0) LOGIN OK (info=\"0 S\")"
case_ it_assert_file "$IT_DIR/log" "$IT_DIR/want1" any-order-outside
# The files of a directory: exactly those named.
mkdir -p "$IT_DIR/d" && : >"$IT_DIR/d/a" && : >"$IT_DIR/d/.lock"
NAME=files; case_ it_assert_files "$IT_DIR/d" files a
NAME=files-extra; : >"$IT_DIR/d/b"; case_ it_assert_files "$IT_DIR/d" files-extra a
# Per instance: another instance's lines may come between, not out of order.
printf '%s\n' '(0) CONNECT OK' '(0) DISCONNECT OK' '(1) CONNECT OK' '(1) DISCONNECT OK' >"$IT_DIR/want2"
NAME=interleaved; log "$T1 (0) CONNECT OK" "$T1 (1) CONNECT OK" "$T2 (0) DISCONNECT OK" "$T3 (1) DISCONNECT OK"
case_ it_assert_file_per_instance "$IT_DIR/log" "$IT_DIR/want2" interleaved
NAME=instance-order; log "$T1 (0) DISCONNECT OK" "$T1 (1) CONNECT OK" "$T2 (0) CONNECT OK" "$T3 (1) DISCONNECT OK"
case_ it_assert_file_per_instance "$IT_DIR/log" "$IT_DIR/want2" instance-order
NAME=instance-extra; log "$T1 (0) CONNECT OK" "$T1 (1) CONNECT OK" "$T2 (0) DISCONNECT OK" "$T3 (1) DISCONNECT OK" "$T3 (2) CONNECT OK"
case_ it_assert_file_per_instance "$IT_DIR/log" "$IT_DIR/want2" instance-extra
# Directions: Reads in order and Writes in order, their interleaving free.
R1='INFO  (up,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:1 datalen:0'
R2='INFO  (up,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:2 datalen:0'
W1='INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:1 datalen:0'
W2='INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:0'
printf '%s\n' "$W1" "$R1" "$W2" "$R2" >"$IT_DIR/want6"
NAME=directions; log "$T1 $W1" "$T1 $W2" "$T2 $R1" "$T3 $R2"
case_ it_assert_file_directions "$IT_DIR/log" "$IT_DIR/want6" directions
NAME=direction-order; log "$T1 $W2" "$T1 $W1" "$T2 $R1" "$T3 $R2"
case_ it_assert_file_directions "$IT_DIR/log" "$IT_DIR/want6" direction-order
NAME=direction-missing; log "$T1 $W1" "$T1 $W2" "$T2 $R1"
case_ it_assert_file_directions "$IT_DIR/log" "$IT_DIR/want6" direction-missing
# Sessions: numbers free, each session whole and used once.
printf '%s\n' '(K) CONNECT OK (info="0 a")' '(K) DISCONNECT OK' '' '(K) CONNECT OK (info="0 b")' '(K) DISCONNECT OK' >"$IT_DIR/want3"
NAME=sessions; log "$T1 (3) CONNECT OK (info=\"0 b\")" "$T1 (7) CONNECT OK (info=\"0 a\")" "$T2 (7) DISCONNECT OK" "$T3 (3) DISCONNECT OK"
case_ it_assert_file_sessions "$IT_DIR/log" "$IT_DIR/want3" sessions
NAME=session-twice; log "$T1 (3) CONNECT OK (info=\"0 a\")" "$T1 (7) CONNECT OK (info=\"0 a\")" "$T2 (7) DISCONNECT OK" "$T3 (3) DISCONNECT OK"
case_ it_assert_file_sessions "$IT_DIR/log" "$IT_DIR/want3" session-twice
# A flood: at most 2 a second here, SUPPRESSED counting the rest.
D='WARN  (x) DENY CONNECT address="a" rule="no match"'
printf '%s\n' "$D" "$D" "$D" >"$IT_DIR/want4"
NAME=flood; log "$T1 $D" "$T2 $D" "$T3 WARN  (x) SUPPRESSED count=\"1\" reason=\"DENY CONNECT\""
case_ it_assert_file_limited "$IT_DIR/log" "$IT_DIR/want4" flood 2 "DENY CONNECT"
NAME=flood-count; log "$T1 $D" "$T2 $D" "$T3 WARN  (x) SUPPRESSED count=\"2\" reason=\"DENY CONNECT\""
case_ it_assert_file_limited "$IT_DIR/log" "$IT_DIR/want4" flood-count 2 "DENY CONNECT"
NAME=flood-limit; log "$T1 $D" "$T2 $D" "$T2 $D"
case_ it_assert_file_limited "$IT_DIR/log" "$IT_DIR/want4" flood-limit 2 "DENY CONNECT"
# JSON twins: ts checked and removed, members compared.
printf '%s\n' '{"connector":"c","instance":0,"event":"CONNECT","result":"OK"}' >"$IT_DIR/want5"
NAME=json; log '{"ts":"2026-01-02T03:04:05.000001+00:00","instance":0,"connector":"c","event":"CONNECT","result":"OK"}'
case_ it_assert_jsonl "$IT_DIR/log" "$IT_DIR/want5" json
NAME=json-ts; log '{"ts":"2026-01-02 03:04:05","connector":"c","instance":0,"event":"CONNECT","result":"OK"}'
case_ it_assert_jsonl "$IT_DIR/log" "$IT_DIR/want5" json-ts
NAME=json-member; log '{"ts":"2026-01-02T03:04:05.000001+00:00","connector":"c","instance":0,"event":"CONNECT","result":"OK","info":""}'
case_ it_assert_jsonl "$IT_DIR/log" "$IT_DIR/want5" json-member
cat "$IT_DIR/why" >&2
it_summary
EOF
bash "$work/child4.sh" >"$work/child4.out" 2>"$work/child4.err"
for expect in same:0 extra:1 missing:1 order:1 changed:1 backwards:1 badstamp:1 nofile:1 \
    any-order:0 any-order-outside:1 files:0 files-extra:1 \
    interleaved:0 instance-order:1 instance-extra:1 directions:0 direction-order:1 direction-missing:1 \
    sessions:0 session-twice:1 flood:0 flood-count:1 \
    flood-limit:1 json:0 json-ts:1 json-member:1; do
    grep -qx "CASE ${expect%%:*} ${expect#*:}" "$work/child4.out"
    check $? "comparison case ${expect%%:*}: status ${expect#*:} (got: $(grep "^CASE ${expect%%:*} " "$work/child4.out"))"
done
grep -q '^  | +(0) LOGIN OK (info="0 T")' "$work/child4.err"
check $? "a failed comparison shows a unified diff"
rm -rf "${TMPDIR:-/tmp}"/emgdiag-it.selftest4.*

if [ "$failures" -eq 0 ]; then
    echo "lib_selftest: all checks passed"
    exit 0
fi
echo "lib_selftest: $failures check(s) failed"
exit 1
