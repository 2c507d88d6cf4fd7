# shellcheck shell=bash
# lib.sh: the helpers emgdiag's integration tests source.
#
# An integration test starts real processes (patched Kannel boxes, the SMPP
# peers in tests/peers/), waits for them to say things, and checks the logs
# they leave.  This library gives each test a scratch directory, free
# loopback ports, background processes it tracks by PID (and stops, only
# those, on exit), polling waits that fail with the evidence, and assertions
# that are counted.  it_summary prints "N passed, N failed" (", N skipped"
# when any) as the last line of output and returns non-zero when anything
# failed.  A skip is never counted as a pass.
#
# Use:
#   . "$(dirname "$0")/lib.sh"
#   it_init acl_connect
#   port=$(it_port)
#   it_start smsc perl tests/peers/smsc.pl --port "$port" ...
#   it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
#   printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 SMSC")' >"$IT_DIR/want.x"
#   it_stop bb
#   it_assert_file "$IT_DIR/logs/connector.x" "$IT_DIR/want.x" "connector log"
#   it_summary
# Tests of an output compare whole files, order included: a test writes the
# file it expects (from the docs and from what the peers saw on the wire,
# never from the module's own output) and it_assert_file compares every
# line; it_assert_line is for the other files (peer reports, box logs).
# Call it_start directly, not inside $(...) or a pipeline: a subshell's
# children are not ours to track.  Do not run tests under `set -e`: a failed
# assertion returns 1 and the test should go on to the summary.
# IT_KEEP=1 keeps the scratch directory even when everything passed.

IT_NAME=
IT_DIR=
IT_PASSED=0
IT_FAILED=0
IT_SKIPPED=0
IT_PORTS_GIVEN=" "
declare -A IT_PIDS=()
IT_START_ORDER=()
IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# it_init NAME: scratch directory $IT_DIR and cleanup on exit.
it_init() {
    IT_NAME=${1:?it_init: test name}
    IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/emgdiag-it.$IT_NAME.XXXXXX") || {
        echo "it_init: cannot create a scratch directory under ${TMPDIR:-/tmp}" >&2
        exit 2
    }
    trap it__cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# it_port: a TCP port on 127.0.0.1 that the kernel just found free (never
# the same one twice in one test).
it_port() {
    local port try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        port=$(perl -MIO::Socket::INET -e '
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                          Proto => "tcp", Listen => 1) or die "$!\n";
            print $s->sockport, "\n";') || return 1
        case $IT_PORTS_GIVEN in
            *" $port "*) continue ;;
        esac
        IT_PORTS_GIVEN="$IT_PORTS_GIVEN$port "
        echo "$port"
        return 0
    done
    echo "it_port: no fresh port after $try tries" >&2
    return 1
}

# it_start NAME CMD...: runs CMD in the background, stdout to $IT_DIR/NAME.out
# and stderr to $IT_DIR/NAME.err; remembers its PID (also in $IT_DIR/NAME.pid).
it_start() {
    local name=${1:?it_start: name}
    shift
    if [ -n "${IT_PIDS[$name]:-}" ]; then
        echo "it_start: $name already started (pid ${IT_PIDS[$name]})" >&2
        return 1
    fi
    "$@" >"$IT_DIR/$name.out" 2>"$IT_DIR/$name.err" </dev/null &
    IT_PIDS[$name]=$!
    IT_START_ORDER+=("$name")
    echo "${IT_PIDS[$name]}" >"$IT_DIR/$name.pid"
}

# it_pid NAME: the PID of a started process.
it_pid() {
    echo "${IT_PIDS[${1:?it_pid: name}]:-}"
}

# True while PID runs (a zombie child of ours does not count).
it__alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$state" != Z ]
}

# it_stop NAME: TERM, up to 10 s to exit, then KILL; reaps it.  Returns the
# process's exit status (128+signal when killed).
it_stop() {
    local name=${1:?it_stop: name} pid i status
    pid=${IT_PIDS[$name]:-}
    [ -n "$pid" ] || return 0
    if it__alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            it__alive "$pid" || break
            sleep 0.1
        done
        if it__alive "$pid"; then
            echo "it_stop: $name (pid $pid) still running 10 s after TERM: KILL" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    wait "$pid" 2>/dev/null
    status=$?
    unset "IT_PIDS[$name]"
    return "$status"
}

it__cleanup() {
    local rc=$? i
    for ((i = ${#IT_START_ORDER[@]} - 1; i >= 0; i--)); do
        it_stop "${IT_START_ORDER[$i]}"
    done
    if [ -n "$IT_DIR" ] && [ -d "$IT_DIR" ]; then
        if [ "$IT_FAILED" -eq 0 ] && [ "${IT_KEEP:-0}" = 0 ]; then
            rm -rf -- "$IT_DIR"
        else
            echo "$IT_NAME: scratch directory kept: $IT_DIR" >&2
        fi
    fi
    exit "$rc"
}

# Shows the end of FILE, indented, on stderr.
it__tail() {
    if [ -e "$1" ]; then
        echo "  --- last lines of $1:" >&2
        tail -n "${2:-20}" -- "$1" | sed 's/^/  | /' >&2
    else
        echo "  --- $1 does not exist" >&2
    fi
}

it_pass() {
    IT_PASSED=$((IT_PASSED + 1))
    echo "PASS: $*"
}

it_fail() {
    IT_FAILED=$((IT_FAILED + 1))
    echo "FAIL: $*"
    return 1
}

it_skip() {
    IT_SKIPPED=$((IT_SKIPPED + 1))
    echo "SKIP: $*"
}

# it_wait_line FILE REGEX TIMEOUT: polls until a line of FILE matches the
# extended REGEX.  A timeout counts as a failed check and shows FILE's tail.
it_wait_line() {
    local file=$1 regex=$2 timeout=${3:-10} deadline
    deadline=$((SECONDS + timeout))
    while :; do
        grep -Eq -- "$regex" "$file" 2>/dev/null && return 0
        [ "$SECONDS" -ge "$deadline" ] && break
        sleep 0.1
    done
    it_fail "no line matching /$regex/ in $file after ${timeout}s"
    it__tail "$file"
    return 1
}

# it_wait_port PORT TIMEOUT: polls until something listens on TCP PORT (any
# local address, IPv4 or IPv6).  Reads /proc/net/tcp{,6} instead of
# connecting, so the server sees no stray connection.  A timeout fails.
it_wait_port() {
    local port=$1 timeout=${2:-10} deadline hex
    hex=$(printf '%04X' "$port")
    deadline=$((SECONDS + timeout))
    while :; do
        awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
                          END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
        [ "$SECONDS" -ge "$deadline" ] && break
        sleep 0.1
    done
    it_fail "nothing listening on TCP port $port after ${timeout}s"
    return 1
}

# it_wait_exit NAME [TIMEOUT]: waits until a started process has exited by
# itself (it_stop would TERM it); still running after TIMEOUT (30 s) fails.
it_wait_exit() {
    local name=$1 timeout=${2:-30} pid deadline
    pid=$(it_pid "$name")
    deadline=$((SECONDS + timeout))
    while it__alive "$pid"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            it_fail "$name still running after ${timeout}s"
            return 1
        fi
        sleep 0.1
    done
    return 0
}

# it_assert_line FILE REGEX MSG: some line of FILE matches REGEX.
it_assert_line() {
    if grep -Eq -- "$2" "$1" 2>/dev/null; then
        it_pass "$3"
    else
        it_fail "$3 (no line matching /$2/ in $1)"
        it__tail "$1"
        return 1
    fi
}

# it_assert_no_line FILE REGEX MSG: no line of FILE matches REGEX (a missing
# file has none).
it_assert_no_line() {
    if [ -e "$1" ] && grep -Eq -- "$2" "$1" 2>/dev/null; then
        it_fail "$3 (unexpected line matching /$2/ in $1)"
        grep -En -- "$2" "$1" | head -n 5 | sed 's/^/  | /' >&2
        return 1
    fi
    it_pass "$3"
}

# it_assert_file ACTUAL EXPECTED MSG: the log ACTUAL, with exactly its
# leading timestamps removed, is EXPECTED: every line, in order.  Each
# timestamp must have the docs' shape and none may go backwards.  A missing
# file fails; a difference is shown as a unified diff (logcmp.py).  A line
# "#any-order N" in EXPECTED lets the next N lines come in any order among
# themselves: only for events whose order the docs leave open, said where
# it is used.
it_assert_file() {
    it__compare "$3" "$1" text "$1" "$2"
}

# it_assert_file_per_instance ACTUAL EXPECTED MSG: as it_assert_file, but
# each session's lines (those of one "(K)", "(name,K)" or "(name)" part)
# are compared whole and in order with the same session's lines in
# EXPECTED, and the order between sessions is free (timestamps must not go
# backwards within a session; across concurrent sessions the docs promise
# no order).  For concurrent sessions only: say so where it is used.
it_assert_file_per_instance() {
    it__compare "$3" "$1" text "$1" "$2" --per-instance
}

# it_assert_file_directions ACTUAL EXPECTED MSG: a pdu log of a session
# whose requests are pipelined (a window of submits): its Read lines and its
# Write lines are each compared whole and in order with EXPECTED's; how the
# two directions interleave is the host's processing order, which the
# peer's record of the wire cannot give (docs/pdu-log.md, Order).
it_assert_file_directions() {
    it__compare "$3" "$1" text "$1" "$2" --directions
}

# it_assert_file_sessions ACTUAL EXPECTED MSG: for sessions that ran at once
# and whose instance numbers the wire cannot tell.  EXPECTED holds one block
# per session (blocks separated by an empty line), the instance written
# "K": "(K) CONNECT OK", "INFO  (name,K) Read ...".  Each instance's lines,
# in order, must be whole expected sessions one after another, each
# session used once; the order between instances is free.
it_assert_file_sessions() {
    it__compare "$3" "$1" text "$1" "$2" --sessions
}

# it_assert_file_limited ACTUAL EXPECTED MSG PER_SECOND EVENT: a flood of
# refusals under the docs' limit: EXPECTED holds one line per refusal that
# happened ("K" for the instance); ACTUAL holds each at most once, at most
# PER_SECOND in any second, and SUPPRESSED lines (reason EVENT) counting
# exactly the rest, each after the second whose refusals it counts.
it_assert_file_limited() {
    it__compare "$3" "$1" limited "$1" "$2" --per-second "$4" --reason "$5"
}

# it_assert_jsonl ACTUAL EXPECTED MSG [TEXT [--utc]]: the JSON twin ACTUAL
# holds, object for object, EXPECTED's objects (written without "ts"); each
# ts has the docs' shape and never goes backwards.  With TEXT, object N's ts
# is also the timestamp of TEXT's line N (in UTC with --utc).
it_assert_jsonl() {
    local extra=()
    [ -n "${4:-}" ] && extra=(--text "$4")
    [ "${5:-}" = --utc ] && extra+=(--utc)
    it__compare "$3" "$1" json "$1" "$2" "${extra[@]}"
}

# it_helper TOOL OUT ERR ARGS...: runs TOOL (logcmp or wire_expect, the
# Python helpers here) with ARGS; its output is appended to OUT, its errors
# to ERR; returns its status.  One Python process per test serves every
# call (it_helper.py, a coprocess started on first use and ended by the
# end of its input when the test exits): a start per check would cost more
# than the checks.  Call it directly, not in $(...) or a pipeline.
it_helper() {
    local tool=$1 out=$2 err=$3 line rc=2
    shift 3
    if [ -z "${IT_HELPER_PID:-}" ] || ! kill -0 "$IT_HELPER_PID" 2>/dev/null; then
        coproc IT_HELPER { exec python3 "$IT_LIB_DIR/it_helper.py"; }
    fi
    printf '%s\0' "$(($# + 1))" "$tool" "$@" >&"${IT_HELPER[1]}"
    while IFS= read -r line <&"${IT_HELPER[0]}"; do
        case $line in
        "o "*) printf '%s\n' "${line#o }" >>"$out" ;;
        "e "*) printf '%s\n' "${line#e }" >>"$err" ;;
        "rc "*)
            rc=${line#rc }
            break
            ;;
        esac
    done
    return "$rc"
}

it__compare() {
    local msg=$1 actual=$2
    shift 2
    if [ ! -f "$actual" ]; then
        it_fail "$msg ($actual does not exist)"
        return 1
    fi
    : >"$IT_DIR/.logcmp.err"
    if it_helper logcmp /dev/null "$IT_DIR/.logcmp.err" "$@"; then
        it_pass "$msg"
    else
        it_fail "$msg ($actual differs from $(basename "$3"))"
        cat "$IT_DIR/.logcmp.err" >&2
        return 1
    fi
}

# it_assert_files DIR MSG NAME...: the files in DIR (not the hidden ones)
# are exactly NAME... -- nothing missing, nothing more.
it_assert_files() {
    local dir=$1 msg=$2 got want
    shift 2
    got=$(cd "$dir" 2>/dev/null && find . -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%P\n' | sort)
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
    if [ "$got" = "$want" ]; then
        it_pass "$msg"
    else
        it_fail "$msg (files in $dir differ)"
        diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | tail -n +3 | sed 's/^/  | /' >&2
        return 1
    fi
}

# it_assert_eq A B MSG: the strings A and B are equal.
it_assert_eq() {
    if [ "$1" = "$2" ]; then
        it_pass "$3"
    else
        it_fail "$3 (got '$1', expected '$2')"
    fi
}

# it_summary: the last line of output; non-zero when any check failed.
it_summary() {
    local line="$IT_PASSED passed, $IT_FAILED failed"
    [ "$IT_SKIPPED" -gt 0 ] && line="$line, $IT_SKIPPED skipped"
    echo "$line"
    [ "$IT_FAILED" -eq 0 ]
}
