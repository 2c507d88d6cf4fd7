#!/bin/bash
# A metrics endpoint that cannot be had stops the box at start with one
# clear line (docs/metrics.md): bearerbox whose <metrics listen> port is
# taken, and one whose textfile directory does not exist, each exit
# non-zero within 15 s with exactly one ERROR line in their log saying
# which address or directory and why.  Time budget: 40 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init metrics_startup

TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
BUSY=$(it_port)
it_start holder perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Listen => 1,
                                  ReuseAddr => 1) or die "$!\n";
    print "LISTENING\n"; $| = 1; sleep 60;' "$BUSY"
it_wait_port "$BUSY" 10

# refuses NAME METRICS_ATTRS REGEX WHAT
refuses() {
    local name=$1 attrs=$2 regex=$3 what=$4 log=$IT_DIR/$1.log n status
    mkdir -p "$IT_DIR/$name-logs"
    cat >"$IT_DIR/$name.xml" <<XML
<emgdiag>
  <logs dir="$IT_DIR/$name-logs"/>
  <metrics box="bearerbox" $attrs/>
</emgdiag>
XML
    box_bearerbox_conf "$IT_DIR/$name.conf" "$IT_DIR/$name.xml"
    sed -i "s|^log-file = .*|log-file = $log|" "$IT_DIR/$name.conf"
    it_start "$name" "$BEARERBOX" "$IT_DIR/$name.conf"
    if ! it_wait_exit "$name" 15; then
        it_stop "$name"
        return 1
    fi
    it_stop "$name"
    status=$?
    if [ "$status" -ne 0 ]; then it_pass "$what: bearerbox exits non-zero ($status)"; else it_fail "$what: bearerbox exited 0"; fi
    n=$(grep -Ec ' (ERROR|PANIC): ' "$log" 2>/dev/null)
    if [ "${n:-0}" -eq 1 ] && grep -Eq -- "^$TS \[[0-9]+\] \[[0-9]+\] ERROR: .*$regex" "$log"; then
        it_pass "$what: one error line: $(grep -E ' ERROR: ' "$log" | sed 's/^.* ERROR: //')"
    else
        it_fail "$what: want exactly one ERROR line matching /$regex/, have ${n:-0} error lines"
        it__tail "$log" 8
    fi
}

refuses busy "listen=\"127.0.0.1:$BUSY\"" "metrics listen 127\.0\.0\.1:$BUSY: Address already in use" \
    "listen port taken"
refuses nodir "textfile=\"$IT_DIR/missing/bb.prom\"" \
    "metrics textfile $IT_DIR/missing/bb\.prom: directory $IT_DIR/missing: No such file or directory" \
    "textfile directory missing"
it_summary
