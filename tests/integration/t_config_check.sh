#!/bin/bash
# emgdiag-check refuses what the box refuses (docs/configuration.md): for
# each configuration below the patched bearerbox must refuse to start, with
# one ERROR line that carries FILE:LINE: and the loader's message, and
# emgdiag-check must refuse the same file with the same first message.
# Cases: a log directory that is a regular file, one below a regular file,
# one in which no file can be created (/proc/self), values holding a line
# break (dir, smsc-id, opensmppbox-id, system-id), a system-id with a
# leading space, a connector name of 65 octets, a <database> of a back-end
# this build lacks, a second <database>.  And the other side: a log
# directory that does not exist yet is fine for both; the tool creates
# nothing, the box creates it.  Time budget: about 25 s (each refused start
# takes about a second; 15 s at most each).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init config_check
: "${EMGDIAG_CHECK:?set EMGDIAG_CHECK to the emgdiag-check tool}"
cd "$IT_DIR" || exit 2

TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'

# agree NAME LINE REGEX XML-BODY: writes <emgdiag>XML-BODY</emgdiag> with
# the body starting on line 2, runs emgdiag-check on it and bearerbox with
# it; both must refuse it with FILE:LINE: and a message matching REGEX,
# the box's one ERROR line holding the tool's first message.
agree() {
    local name=$1 line=$2 regex=$3 body=$4 xml conf log rc tool_msg n
    xml=$IT_DIR/$name.xml
    conf=$IT_DIR/$name.conf
    log=$IT_DIR/$name.log
    printf '<emgdiag>\n%s\n</emgdiag>\n' "$body" >"$xml"

    "$EMGDIAG_CHECK" --config "$xml" >"$IT_DIR/$name.check.out" 2>"$IT_DIR/$name.check.err"
    rc=$?
    it_assert_eq "$rc" 1 "$name: emgdiag-check exits 1"
    tool_msg=$(head -n 1 "$IT_DIR/$name.check.err")
    if [[ $tool_msg =~ ^"$xml:$line: "$regex ]]; then
        it_pass "$name: emgdiag-check says $tool_msg"
    else
        it_fail "$name: emgdiag-check's first line is '$tool_msg', expected $xml:$line: /$regex/"
    fi

    box_bearerbox_conf "$conf" "$xml"
    sed -i "s|^log-file = .*|log-file = $log|" "$conf"
    it_start "$name" "$BEARERBOX" "$conf"
    if ! it_wait_exit "$name" 15; then
        it_stop "$name"
        return 1
    fi
    it_stop "$name"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        it_pass "$name: bearerbox refuses to start ($rc)"
    else
        it_fail "$name: bearerbox exited 0"
    fi
    n=$(grep -Ec ' (ERROR|PANIC): ' "$log" 2>/dev/null)
    if [ "${n:-0}" -eq 1 ] && [ -n "$tool_msg" ] &&
        grep -E -- "^$TS \[[0-9]+\] \[[0-9]+\] ERROR: " "$log" | grep -qF -- "$tool_msg"; then
        it_pass "$name: the box's one ERROR line carries the tool's message"
    else
        it_fail "$name: want one ERROR line holding '$tool_msg', have ${n:-0} error lines"
        it__tail "$log" 8
    fi
}

echo "not a directory" >"$IT_DIR/plainfile"
NAME65=c123456789.123456789_123456789-123456789.123456789_123456789-1234

agree plain_dir 2 "log directory \"$IT_DIR/plainfile\": Not a directory" \
    "  <logs dir=\"$IT_DIR/plainfile\"/>"
agree below_plain 2 "log directory \"$IT_DIR/plainfile/logs\": cannot be created: \"$IT_DIR/plainfile\": Not a directory" \
    "  <logs dir=\"$IT_DIR/plainfile/logs\"/>"
agree proc_self 2 'log directory "/proc/self": cannot create files in it: ' \
    '  <logs dir="/proc/self"/>'
agree dir_newline 2 'dir ".*\\x0a.*" on <logs>: holds a line break' \
    "  <logs dir=\"$IT_DIR/a&#10;b\"/>"
agree smsc_id_newline 3 'smsc-id "up\\x0a" on <connector>: holds a line break' \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <connector name=\"out\" type=\"outgoing\" smsc-id=\"up&#10;\"/>"
agree osb_id_newline 3 'opensmppbox-id "o\\x0asb" on <connector>: holds a line break' \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <connector name=\"in\" type=\"incoming\" opensmppbox-id=\"o&#10;sb\"/>"
agree system_id_newline 4 'system-id "c\\x0a" on <user>: holds a line break' \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <users>
    <user system-id=\"c&#10;\"/>
  </users>"
agree system_id_space 4 'system-id " c" on <user>: leading or trailing white space' \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <users>
    <user system-id=\" c\"/>
  </users>"
agree name_65 3 "connector name \"$NAME65\": 65 octets, at most 64 are allowed" \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <connector name=\"$NAME65\" type=\"outgoing\" smsc-id=\"up\"/>"
# A build --without-mysql (--without-pgsql) refuses the type before its
# attributes: the line that says so is what both must give then.
printf '<emgdiag>\n  <database type="%s" %s/>\n</emgdiag>\n' mysql 'database="e"' >"$IT_DIR/my.xml"
printf '<emgdiag>\n  <database type="%s" %s/>\n</emgdiag>\n' pgsql 'conninfo="dbname=e"' >"$IT_DIR/pg.xml"
if "$EMGDIAG_CHECK" --config "$IT_DIR/my.xml" 2>&1 | grep -qF 'this build has no MariaDB/MySQL back-end'; then
    my_refused='<database type="mysql">: this build has no MariaDB/MySQL back-end'
fi
if "$EMGDIAG_CHECK" --config "$IT_DIR/pg.xml" 2>&1 | grep -qF 'this build has no PostgreSQL back-end'; then
    pg_refused='<database type="pgsql">: this build has no PostgreSQL back-end'
fi
agree db_mysql 3 "${my_refused:-attribute \"file\" is for type \"sqlite\"}" \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <database type=\"mysql\" database=\"emg\" file=\"$IT_DIR/x.db\"/>"
agree db_password 3 "${pg_refused:-conninfo holds a password: passwords do not belong in the XML}" \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <database type=\"pgsql\" conninfo=\"host=/tmp dbname=x password=secret\"/>"
agree db_two 4 'second <database> \(first at line 3\)' \
    "  <logs dir=\"$IT_DIR/logs\"/>
  <database type=\"sqlite\" file=\"$IT_DIR/a.db\"/>
  <database type=\"sqlite\" file=\"$IT_DIR/b.db\"/>"

# A log directory that does not exist yet: the tool accepts it and creates
# nothing; the box starts and creates it.
NEW=$IT_DIR/new/emg
printf '<emgdiag>\n  <logs dir="%s"/>\n</emgdiag>\n' "$NEW" >"$IT_DIR/new.xml"
out=$("$EMGDIAG_CHECK" --config "$IT_DIR/new.xml" 2>&1)
it_assert_eq "$?:$out" "0:$IT_DIR/new.xml: OK" "missing directory: emgdiag-check accepts it"
it_assert_eq "$([ -e "$IT_DIR/new" ] && echo exists || echo absent)" absent \
    "missing directory: emgdiag-check created nothing"
box_bearerbox_conf "$IT_DIR/new.conf" "$IT_DIR/new.xml"
it_start newbox "$BEARERBOX" "$IT_DIR/new.conf"
it_wait_line "$NEW/general" 'CONFIG LOADED' 15 && it_pass "missing directory: the box starts and creates it"
it_stop newbox

it_summary
