#!/bin/bash
# emgdiag-follow --db of one session reads only the connector rows at one
# end of the log (docs/database.md, "Reading"): the answer must still be
# exactly what emgdiag-follow prints from the files.  A connector log of
# 400 sessions on instance 1 (more than the first rounds of rows read from
# either end) and a few on instance 2, written in the formats of
# docs/connector-log.md and docs/pdu-log.md with their JSON twins, in the
# shapes the session rules of docs/man/emgdiag-follow.1 name: lines before
# the first CONNECT, a CONNECT ERR, a CONNECT without its DISCONNECT, a
# LOGIN after a DISCONNECT, and sessions of a length that makes a round
# of rows from the end start inside a session, is loaded (emgdiag-db load) and followed from
# both ends, by files and by --db.  Time budget: about 10 s.
. "$(dirname "$0")/lib.sh"
it_init db_follow_ends
DBTOOL=${EMGDIAG_DB:?set EMGDIAG_DB to the emgdiag-db tool}
FOLLOW=${EMGDIAG_FOLLOW:?set EMGDIAG_FOLLOW}

L=$IT_DIR/logs
DB=$IT_DIR/ends.db
mkdir -p "$L"
python3 - "$L" <<'PY'
import sys, datetime
d = sys.argv[1]
t0 = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
us = 0
con, conj, pdu, pduj = [], [], [], []

def stamp():
    global us
    us += 1000
    t = t0 + datetime.timedelta(microseconds=us)
    return t.strftime('%Y-%m-%d %H:%M:%S.%f'), t.strftime('%Y-%m-%dT%H:%M:%S.%f+00:00')

def c(inst, event, result='OK'):
    txt, iso = stamp()
    con.append('%s (%d) %s %s' % (txt, inst, event, result))
    conj.append('{"ts":"%s","connector":"ends","instance":%d,"event":"%s","result":"%s"}'
                % (iso, inst, event, result))

def p(inst, trn):
    txt, iso = stamp()
    pdu.append('%s INFO  (ends,%d) Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:%d datalen:0'
               % (txt, inst, trn))
    pduj.append('{"ts":"%s","connector":"ends","instance":%d,"dir":"read","op":"0x00000015",'
                '"name":"ENQUIRE_LINK","status":0,"trn":%d,"datalen":0,"fields":{}}'
                % (iso, inst, trn))

trn = 0
# the log starts inside a session of instance 1
c(1, 'LOGIN'); p(1, trn); c(1, 'DISCONNECT')
for s in range(400):
    shape = s % 7
    if s >= 300:
        # four lines each, and five in the last one below: a round of 4n
        # rows from the end then starts inside a session
        c(1, 'CONNECT'); c(1, 'LOGIN', 'ERR'); trn += 1; p(1, trn)
        c(1, 'LOGIN'); c(1, 'DISCONNECT')
        continue
    if shape == 3:
        c(1, 'CONNECT', 'ERR')           # a failed connect: a session of one line
        continue
    c(1, 'CONNECT')
    for _ in range(s % 3 + 1):
        trn += 1; p(1, trn)
    if s % 50 == 0:
        c(2, 'CONNECT'); p(2, trn); c(2, 'DISCONNECT')
    if shape == 5:
        continue                          # no DISCONNECT: the next CONNECT ends it
    c(1, 'LOGIN')
    trn += 1; p(1, trn)
    c(1, 'DISCONNECT')
    if shape == 6:
        c(1, 'LOGIN')                     # after a DISCONNECT: a session of its own
c(1, 'CONNECT')                           # the last one still open
for r in ('ERR', 'ERR', 'ERR', 'OK'):
    c(1, 'LOGIN', r)
trn += 1; p(1, trn)
for name, lines in (('connector.ends', con), ('connector.ends.jsonl', conj),
                    ('pdu.ends', pdu), ('pdu.ends.jsonl', pduj)):
    with open('%s/%s' % (d, name), 'w') as f:
        f.write(''.join(l + '\n' for l in lines))
PY
out=$("$DBTOOL" load "sqlite:$DB" --box bearerbox --node gw1 "$L" 2>&1)
lines=$(cat "$L/connector.ends" "$L/pdu.ends" | wc -l)
it_assert_eq "$?:$out" "0:$lines lines: $lines rows added, 0 already there, 0 without a twin, 0 not understood" \
    "the generated logs load, every line a row"

# same ARGS...: from the files and from the database, the same output and exit status
same() {
    "$FOLLOW" --dir "$L" "$@" >"$IT_DIR/f.files" 2>/dev/null
    local rf=$?
    "$FOLLOW" --db "sqlite:$DB" "$@" >"$IT_DIR/f.db" 2>/dev/null
    local rd=$?
    if [ "$rf" = "$rd" ] && cmp -s "$IT_DIR/f.files" "$IT_DIR/f.db"; then
        it_pass "emgdiag-follow $*: --db = the files (exit $rf, $(wc -l <"$IT_DIR/f.files") lines)"
    else
        it_fail "emgdiag-follow $*: --db differs from the files (exit $rf against $rd)"
        diff "$IT_DIR/f.files" "$IT_DIR/f.db" | head -5
    fi
}
sessions=$("$FOLLOW" --dir "$L" --list ends 1 | grep -c '^(1) #')
[ "$sessions" -gt 300 ] && it_pass "instance 1 has $sessions sessions (more than one round of rows)" ||
    it_fail "instance 1 has only $sessions sessions"
for k in 1 2 3 7 100 $((sessions - 1)) "$sessions" $((sessions + 1)) -1 -2 -4 -6 -7 -100 \
    -$((sessions - 1)) -"$sessions" -$((sessions + 1)); do
    same --session "$k" ends 1
done
# the sessions around the edge of the first rounds of rows read from the end
for k in $(seq 10 30) $(seq 70 90); do
    same --session -"$k" ends 1
done
same ends 1
same --session 2 ends 2
same --session -1 ends 2
same --session -9 ends 2
same --session 1 ends 3
same --all ends 2
same --list ends 1
it_summary
