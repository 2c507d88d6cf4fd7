#!/bin/bash
# bearerbox with a hook-module that cannot be used must refuse to start
# (issue #2, docs/connector-log.md#files): it exits non-zero, soon, with one error line that
# names the file at fault and the reason.  Cases: the module file is
# missing; the module speaks another major ABI version (badabi.c, built
# here); the XML is invalid (the line carries FILE:LINE:); the log
# directory cannot be created (its parent is a regular file); hook-config
# is not set.  And the other side of the promise: without hook-module the
# patched bearerbox is stock Kannel — it binds, loads no module, writes no
# emgdiag file and says nothing about emgdiag.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init startup_errors

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
cd "$IT_DIR" || exit 2

# wait_exit NAME TIMEOUT: waits for the started process NAME to end by
# itself; sets EXIT_STATUS (empty when it was still running and had to be
# stopped, which fails).
wait_exit() {
    if ! it_wait_exit "$1" "$2"; then
        it_stop "$1"
        EXIT_STATUS=
        return 1
    fi
    it_stop "$1"
    EXIT_STATUS=$?
}

# refuses NAME HOOK_MODULE HOOK_CONFIG REGEX WHAT: starts bearerbox with
# these hook settings ("-" leaves a line out) and checks that it exits
# non-zero within 15 s with exactly one ERROR/PANIC line in its log, that
# line matching REGEX.
refuses() {
    local name=$1 module=$2 config=$3 regex=$4 what=$5 conf log n
    conf=$IT_DIR/$name.conf
    log=$IT_DIR/$name.log
    box_bearerbox_conf "$conf" ""
    sed -i "s|^log-file = .*|log-file = $log|" "$conf"
    # Hook lines go into group core (the first group of the file).
    {
        [ "$module" != - ] && echo "hook-module = $module"
        [ "$config" != - ] && echo "hook-config = $config"
    } >"$conf.hook"
    sed -i "/^group = core$/r $conf.hook" "$conf"
    it_start "$name" "$BEARERBOX" "$conf"
    wait_exit "$name" 15 || return 1
    if [ "$EXIT_STATUS" -ne 0 ]; then
        it_pass "$what: bearerbox exits non-zero ($EXIT_STATUS)"
    else
        it_fail "$what: bearerbox exited 0"
    fi
    n=$(grep -Ec ' (ERROR|PANIC): ' "$log" 2>/dev/null)
    if [ "${n:-0}" -eq 1 ] && grep -Eq -- "^$TS \[[0-9]+\] \[[0-9]+\] ERROR: .*$regex" "$log"; then
        it_pass "$what: one error line: $(grep -E ' ERROR: ' "$log" | sed 's/^.* ERROR: //')"
    else
        it_fail "$what: want exactly one ERROR line matching /$regex/, have ${n:-0} error lines"
        it__tail "$log" 8
    fi
    # The same line reaches the terminal of whoever started the box.
    it_assert_line "$IT_DIR/$name.err" "ERROR: .*$regex" "$what: the line is on stderr too"
}

GOOD_XML=$IT_DIR/good.xml
cat >"$GOOD_XML" <<XML
<emgdiag>
  <logs dir="$IT_DIR/logs"/>
</emgdiag>
XML

# 1. The module file does not exist.
MISSING=$IT_DIR/no-such-dir/emgdiag.so
refuses missing "$MISSING" "$GOOD_XML" "emgdiag.*$MISSING.*No such file or directory" "missing module"

# 2. A module of the next major ABI version.
if cc -shared -fPIC -I"$TOP/include" -o "$IT_DIR/badabi.so" "$TOP/tests/integration/badabi.c" 2>"$IT_DIR/cc.err"; then
    MAJOR=$(sed -nE 's/^#define EMGDIAG_ABI_MAJOR ([0-9]+).*/\1/p' "$TOP/include/emgdiag_hook.h")
    refuses badabi "$IT_DIR/badabi.so" "$GOOD_XML" "emgdiag.*$IT_DIR/badabi.so.*ABI $((MAJOR + 1))\.0.*$MAJOR" "wrong major ABI"
else
    it_fail "cannot build badabi.so"
    it__tail "$IT_DIR/cc.err"
fi

# 3. Invalid XML: an element the schema does not know, on line 3.
BAD_XML=$IT_DIR/bad.xml
printf '<emgdiag>\n  <logs dir="%s/logs"/>\n  <frobnicate/>\n</emgdiag>\n' "$IT_DIR" >"$BAD_XML"
refuses badxml "$EMGDIAG_SO" "$BAD_XML" "emgdiag.*$BAD_XML:3: .*frobnicate" "invalid XML"

# 4. A log directory that cannot exist: its parent is a regular file.
echo "not a directory" >"$IT_DIR/plainfile"
DIR_XML=$IT_DIR/baddir.xml
cat >"$DIR_XML" <<XML
<emgdiag>
  <logs dir="$IT_DIR/plainfile/logs"/>
</emgdiag>
XML
refuses baddir "$EMGDIAG_SO" "$DIR_XML" "emgdiag.*$IT_DIR/plainfile/logs.*Not a directory" "unusable log directory"

# 5. hook-module without hook-config.
refuses noconfig "$EMGDIAG_SO" - "emgdiag.*hook-config" "hook-config missing"

# None of the refusals left emgdiag files behind.
it_assert_eq "$(find "$IT_DIR" \( -name 'connector.*' -o -name 'pdu.*' -o -name general -o -name security \) | wc -l)" 0 \
    "refused starts wrote no log files"

# 6. No hook-module: stock Kannel.
SMSC=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC" --system-id user --password secret
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
box_bearerbox_conf "$IT_DIR/stock.conf" ""
box_smsc_smpp "$IT_DIR/stock.conf" stock "$SMSC" user secret "transceiver-mode = true"
it_assert_no_line "$IT_DIR/stock.conf" '^hook-' "stock config has no hook lines"
box_start stock "$IT_DIR/stock.conf"
it_wait_line "$IT_DIR/smsc.out" '^BIND trx user -> 0$' 20 && it_pass "stock: bearerbox binds to the SMSC"
# (Look for the module's file name: the source tree's path may hold "emgdiag".)
if grep -qF "/$(basename "$EMGDIAG_SO")" "/proc/$(it_pid stock)/maps" 2>/dev/null; then
    it_fail "stock: an emgdiag object is mapped into bearerbox"
else
    it_pass "stock: no emgdiag object mapped into bearerbox"
fi
it_stop stock
# (The scratch directory's own name contains "emgdiag": leave it out.)
sed "s|$IT_DIR||g" "$IT_DIR/bearerbox.log" >"$IT_DIR/stock-log.txt"
sed "s|$IT_DIR||g" "$IT_DIR/stock.err" >"$IT_DIR/stock-err.txt"
it_assert_no_line "$IT_DIR/stock-log.txt" '[Ee][Mm][Gg][Dd][Ii][Aa][Gg]|hook' "stock: no emgdiag or hook in bearerbox's log"
it_assert_no_line "$IT_DIR/stock-err.txt" '[Ee][Mm][Gg][Dd][Ii][Aa][Gg]|hook' "stock: no emgdiag or hook on stderr"
it_assert_eq "$(find "$IT_DIR" \( -name 'connector.*' -o -name 'pdu.*' -o -name general -o -name security \) | wc -l)" 0 \
    "stock: no emgdiag log files"
it_assert_line "$IT_DIR/bearerbox.log" 'SMPP\[stock\]' "stock: bearerbox's log is about the stock smsc (the log was written)"

it_summary
