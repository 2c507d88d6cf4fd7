# tool_checks.sh: counters and checks for the integration tests of the
# command-line tools (t_pdu_tool.sh, t_follow.sh, t_compare.sh), which start
# no boxes (lib.sh is for the tests that do).  Source it, count with ok,
# bad, skip and same, and end with tool_summary.  check_version checks a
# tool's --version against configure.ac; fault_read_build and
# with_read_fault run a tool with read(2) failing part-way through a file
# (fault_read.c).
PASS=0 FAIL=0 SKIP=0
TOOL_CHECKS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ok() { PASS=$((PASS + 1)); echo "ok: $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $1"; }
skip() { SKIP=$((SKIP + 1)); echo "skipped: $1"; }

# same NAME GOT WANT: GOT must be WANT exactly; else the diff is shown.
same() {
    if [ "$2" == "$3" ]; then
        ok "$1"
    else
        bad "$1"
        diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | sed 's/^/  | /'
    fi
}

# check_version TOOL PATH: `PATH --version` must print "TOOL <version>",
# the version being the second argument of AC_INIT in configure.ac (the
# one source of the version, through configure's PACKAGE_VERSION).
check_version() {
    local tool=$1 path=$2 want got
    want=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$TOP/configure.ac")
    if [ -z "$want" ]; then
        bad "$tool --version: no version in AC_INIT of $TOP/configure.ac"
        return
    fi
    got=$("$path" --version 2>&1)
    same "$tool --version is configure.ac's version ($want)" "$got" "$tool $want"
}

# fault_read_build DIR: builds tests/integration/fault_read.c into
# DIR/fault_read.so and sets FAULT_SO; returns 1 (FAULT_SO empty) when no C
# compiler can.
fault_read_build() {
    FAULT_SO=$1/fault_read.so
    if ! "${CC:-cc}" -shared -fPIC -O1 -o "$FAULT_SO" "$TOOL_CHECKS_DIR/fault_read.c" \
        -ldl 2>"$1/fault_read.log"; then
        FAULT_SO=
        return 1
    fi
}

# with_read_fault FILE OFFSET CMD...: runs CMD with read(2) of FILE failing
# with EIO from OFFSET on; sets RC, OUT, ERR and INJECTED (1 when a read
# did fail; 0 when CMD never read through the library, as a sanitizer build
# does not).  Standard input is whatever the caller redirects.
with_read_fault() {
    local file mark
    file=$(realpath "$1")
    mark=$(mktemp -u "${TMPDIR:-/tmp}/fault_mark.XXXXXX")
    OUT=$(FAULT_READ_PATH=$file FAULT_READ_AFTER=$2 FAULT_READ_MARK=$mark LD_PRELOAD=$FAULT_SO \
        "${@:3}" 2>"$mark.err")
    RC=$?
    ERR=$(cat "$mark.err")
    INJECTED=0
    [ -e "$mark" ] && INJECTED=1
    rm -f "$mark" "$mark.err"
}

# The summary line run.sh reads: "N passed, N failed[, N skipped]"; the
# status is non-zero when a check failed.
tool_summary() {
    local line="$PASS passed, $FAIL failed"
    [ "$SKIP" -gt 0 ] && line="$line, $SKIP skipped"
    echo "$line"
    [ "$FAIL" -eq 0 ]
}
