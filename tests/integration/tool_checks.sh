# tool_checks.sh: counters and checks for the integration tests of the
# command-line tools (t_pdu_tool.sh, t_follow.sh, t_compare.sh), which start
# no boxes (lib.sh is for the tests that do).  Source it, count with ok,
# bad, skip and same, and end with tool_summary.
PASS=0 FAIL=0 SKIP=0

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

# The summary line run.sh reads: "N passed, N failed[, N skipped]"; the
# status is non-zero when a check failed.
tool_summary() {
    local line="$PASS passed, $FAIL failed"
    [ "$SKIP" -gt 0 ] && line="$line, $SKIP skipped"
    echo "$line"
    [ "$FAIL" -eq 0 ]
}
