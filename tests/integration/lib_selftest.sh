#!/usr/bin/env bash
# lib_selftest.sh: proves lib.sh counts honestly before any test relies on it.
#
# A child test script with known outcomes (two passes, one deliberate
# failure, one skip, a process left running) is run in its own bash; this
# script then checks, with plain shell and without trusting lib.sh's
# counters, that the child's last line is exactly "2 passed, 1 failed,
# 1 skipped", that it exited non-zero, and that the process it left running
# was stopped.  The remaining helpers (it_port, it_wait_port, it_stop,
# it_wait_line's timeout) are exercised in a second child.
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

if [ "$failures" -eq 0 ]; then
    echo "lib_selftest: all checks passed"
    exit 0
fi
echo "lib_selftest: $failures check(s) failed"
exit 1
