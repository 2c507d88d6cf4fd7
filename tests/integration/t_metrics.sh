#!/bin/bash
# Metrics (issue #9) from both patched boxes, scraped by the real Prometheus
# server from Debian while a scenario runs: a bound SMSC connector whose
# peer answers every 25th submit_sm ESME_RTHROTTLED (88), a connector whose
# bind is refused 14, one whose port is closed (111), a client refused at
# connect and one at bind by opensmppbox's access lists, 50 concurrent
# client sessions, and three clients submitting 300 messages through
# opensmppbox and bearerbox meanwhile.
# Both boxes read one XML file with a <metrics> element each.
#
# Checked: every scrape taken and the textfile pass `promtool check metrics`;
# while the 50 clients run, no counter of any scrape ever goes down; every
# counter Prometheus holds equals the count derived from the connector,
# pdu, security and general logs of the same run (docs/metrics.md says
# which line each sample counts); the gauges of the bound session; every
# expression of contrib/grafana/emgdiag.json evaluates without error and
# every rule of contrib/prometheus/emgdiag.rules.yml is healthy in that
# Prometheus; 404 and 405 off /metrics.  Time budget: 120 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init metrics

P=$TOP/tests/peers
BUDGET=120
for tool in prometheus promtool curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        it_fail "$tool is missing (build-aux/setup-debian.sh installs it)"
        it_summary
        exit 1
    fi
done
if [ ! -d "$P/node_modules/smpp" ]; then
    (cd "$P" && npm install --no-audit --no-fund >/dev/null 2>&1)
fi

SMSC_PORT=$(it_port)
BAD_PORT=$(it_port)
CLOSED_PORT=$(it_port) # nothing listens here
OSB_PORT=$(it_port)
MB=$(it_port)
MO=$(it_port)
PROM=$(it_port)
L=$IT_DIR/logs
mkdir -p "$L" "$IT_DIR/prom" "$IT_DIR/tsdb" "$IT_DIR/scrapes"

it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw \
    --smsc-system-id SMSC-A --throttle-every 25
it_start smsc_bad perl "$P/smsc.pl" --port "$BAD_PORT" --system-id up --password other
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
it_wait_line "$IT_DIR/smsc_bad.out" '^LISTENING' 10

N=50
SUBMITTERS=3
PER=100
users=
for ((i = 0; i < N + SUBMITTERS; i++)); do
    users+="    <user system-id=\"$(printf 'c%02d' "$i")\"><allow connector=\"smpp-in\" address=\"127.0.0.1\"/></user>"$'\n'
done
X=$IT_DIR/emg.xml
cat >"$X" <<XML
<emgdiag>
  <logs dir="$L"/>
  <connector name="smpp-out" type="outgoing" smsc-id="up"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb">
    <access>
      <deny  address="127.0.0.3"/>
      <allow address="127.0.0.0/8"/>
    </access>
  </connector>
  <users>
    <user system-id="pinned"><allow connector="smpp-in" address="127.0.0.2"/></user>
$users  </users>
  <metrics box="bearerbox" listen="127.0.0.1:$MB" textfile="$IT_DIR/prom/bearerbox.prom" interval="1"/>
  <metrics box="opensmppbox" opensmppbox-id="osb" listen="127.0.0.1:$MO"/>
</emgdiag>
XML
{
    echo "pinned pw-pinned x"
    for ((i = 0; i < N + SUBMITTERS; i++)); do printf 'c%02d pw-c%02d x\n' "$i" "$i"; done
} >"$IT_DIR/logins"

cat >"$IT_DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TOP/contrib/prometheus/emgdiag.rules.yml
scrape_configs:
  - job_name: bearerbox
    static_configs:
      - targets: ['127.0.0.1:$MB']
  - job_name: opensmppbox
    static_configs:
      - targets: ['127.0.0.1:$MO']
YML
it_start prometheus prometheus --config.file="$IT_DIR/prometheus.yml" \
    --storage.tsdb.path="$IT_DIR/tsdb" --web.listen-address="127.0.0.1:$PROM"

box_bearerbox_conf "$IT_DIR/kannel.conf" "$X"
box_smsc_smpp "$IT_DIR/kannel.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true" \
    "enquire-link-interval = 600"
box_smsc_smpp "$IT_DIR/kannel.conf" badpw "$BAD_PORT" up uppw "transceiver-mode = true"
box_smsc_smpp "$IT_DIR/kannel.conf" closed "$CLOSED_PORT" up uppw "transceiver-mode = true"
box_osb_conf "$IT_DIR/osb.conf" "$X" "$OSB_PORT" "$IT_DIR/logins"
box_start bb "$IT_DIR/kannel.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_wait_port "$MB" 10
it_wait_port "$MO" 10
it_wait_port "$PROM" 30

it_wait_line "$L/connector.smpp-out" 'LOGIN OK' 20
it_wait_line "$L/connector.badpw" 'LOGIN ERR' 20
it_wait_line "$L/connector.closed" 'CONNECT ERR' 20

# ---------------------------------------------------------------------------
# The endpoint itself: 404 off /metrics, 405 for other methods, and the
# scrape valid for promtool.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
it_assert_eq "$(code "http://127.0.0.1:$MB/")" 404 "endpoint: GET / is 404"
it_assert_eq "$(code -X POST "http://127.0.0.1:$MB/metrics")" 405 "endpoint: POST /metrics is 405"
it_assert_eq "$(code -I "http://127.0.0.1:$MO/metrics")" 200 "endpoint: HEAD /metrics is 200"
it_assert_eq "$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$MB/metrics")" \
    "text/plain; version=0.0.4; charset=utf-8" "endpoint: the exposition format's content type"

# ---------------------------------------------------------------------------
# Refusals: a client from 127.0.0.3 at connect, `pinned` from 127.0.0.1 at
# bind (answered 14).
cat >"$IT_DIR/tcpprobe.pl" <<'PERL'
use strict; use warnings; use IO::Socket::IP; use IO::Select;
my ($port, $local) = @ARGV;
my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $port, LocalHost => $local,
                            Proto => 'tcp', Timeout => 5) or do { print "NOCONNECT\n"; exit 0 };
my $sel = IO::Select->new($s);
print $sel->can_read(5) && !sysread($s, my $b, 16) ? "CLOSED\n" : "OPEN\n";
PERL
it_start deny3 perl "$IT_DIR/tcpprobe.pl" "$OSB_PORT" 127.0.0.3
it_start pinned perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id pinned --password pw-pinned --timeout 5
it_wait_exit deny3 15
it_wait_exit pinned 15
it_assert_eq "$(cat "$IT_DIR/deny3.out")" CLOSED "refusal at connect: 127.0.0.3 closed at once"
it_assert_eq "$(peer_field "$IT_DIR/pinned.out" bind status)" 14 "refusal at bind: pinned from 127.0.0.1 answered 14"

# ---------------------------------------------------------------------------
# 50 clients at once, each bound for 3 s, and three clients submitting 100
# submit_sm each meanwhile, while both endpoints are scraped every 0.1 s.
cat >"$IT_DIR/many.js" <<'JS'
'use strict';
const smpp = require(process.argv[2]);
const port = Number(process.argv[3]), n = Number(process.argv[4]);
let left = n;
function done(rec) {
	process.stdout.write(JSON.stringify(rec) + '\n');
	if (--left === 0)
		process.exit(0);
}
for (let i = 0; i < n; i++) {
	const id = 'c' + String(i).padStart(2, '0');
	const rec = { id: id, bind: null, end: null };
	let ended = false;
	const s = smpp.connect({ host: '127.0.0.1', port: port });
	const finish = (how) => { if (!ended) { ended = true; rec.end = how; done(rec); } };
	s.on('error', (e) => finish('error ' + e.message));
	s.on('close', () => finish(rec.unbind === 0 ? 'unbound' : 'closed'));
	s.on('connect', () => {
		s.bind_transceiver({ system_id: Buffer.from(id), password: Buffer.from('pw-' + id) }, (pdu) => {
			rec.bind = pdu.command_status;
			if (pdu.command_status === 0)
				setTimeout(() => s.unbind({}, (r) => { rec.unbind = r.command_status; s.close(); }), 3000);
		});
	});
}
setTimeout(() => process.exit(3), 60000);
JS
scrape_loop() {
    local k=0
    while [ ! -e "$IT_DIR/scrapes/stop" ] && [ "$k" -lt 600 ]; do
        k=$((k + 1))
        curl -s -o "$IT_DIR/scrapes/osb.$(printf '%04d' "$k")" "http://127.0.0.1:$MO/metrics"
        curl -s -o "$IT_DIR/scrapes/bb.$(printf '%04d' "$k")" "http://127.0.0.1:$MB/metrics"
        sleep 0.1
    done
}
it_start scraper scrape_loop
it_start many node "$IT_DIR/many.js" "$P/node_modules/smpp" "$OSB_PORT" "$N"
for ((i = N; i < N + SUBMITTERS; i++)); do
    id=$(printf 'c%02d' "$i")
    it_start "sub$i" perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id "$id" \
        --password "pw-$id" --submit "$PER" --unbind --timeout 20
done
it_wait_exit many 60
for ((i = N; i < N + SUBMITTERS; i++)); do it_wait_exit "sub$i" 60; done
touch "$IT_DIR/scrapes/stop"
it_wait_exit scraper 10
it_assert_eq "$(grep -c '"bind":0,"end":"unbound"' "$IT_DIR/many.out")" "$N" \
    "50 clients: each bound, then unbound"
n_ok=0
for ((i = N; i < N + SUBMITTERS; i++)); do
    n_ok=$((n_ok + $(grep -c '"event":"submit","status":0' "$IT_DIR/sub$i.out")))
done
it_assert_eq "$n_ok" $((SUBMITTERS * PER)) "submitters: $((SUBMITTERS * PER)) submit_sm answered 0"

# Every message reaches the SMSC: accepted, or answered 88 (Kannel does not
# send a throttled message again).
want=$((SUBMITTERS * PER))
for ((i = 0; i < 60; i++)); do
    [ "$(grep -Ec 'status=(0|88)$' "$IT_DIR/smsc.out")" -ge "$want" ] && break
    sleep 0.5
done
it_assert_eq "$(grep -Ec 'status=(0|88)$' "$IT_DIR/smsc.out")" "$want" "SMSC: $want submit_sm answered"
n88=$(grep -c 'status=88$' "$IT_DIR/smsc.out")
if [ "$n88" -ge 8 ]; then it_pass "SMSC: $n88 submit_sm answered 88"; else it_fail "SMSC: only $n88 submit_sm answered 88"; fi

# The closed port's connector is stopped, so that its counts stop moving.
it_assert_eq "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$BOX_ADMIN_PORT/stop-smsc?smsc=closed&password=emgdiag")" 200 \
    "admin: stop-smsc closed"
sleep 1

# ---------------------------------------------------------------------------
# The checks, in Python: scrapes, logs, Prometheus.
cat >"$IT_DIR/check.py" <<'PY'
import glob, json, os, re, subprocess, sys, time, urllib.parse, urllib.request

it_dir, logs, prom, top = sys.argv[1:5]
ok = True

def say(passed, msg):
    global ok
    print(("PASS: " if passed else "FAIL: ") + msg)
    ok = ok and passed

def parse(text):
    """{(name, labels): value} of an exposition text; labels as a tuple of pairs."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            raise ValueError('bad line: ' + line)
        labels = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ''))
        out[(m.group(1), labels)] = float(m.group(4))
    return out

def query(q):
    u = 'http://127.0.0.1:%s/api/v1/query?%s' % (prom, urllib.parse.urlencode({'query': q}))
    with urllib.request.urlopen(u, timeout=10) as r:
        return json.load(r)

step = sys.argv[5]

if step == 'scrapes':
    # promtool on the last scrape of each box and on the textfile; no
    # counter goes down between two scrapes of one box.
    for box in ('bb', 'osb'):
        files = sorted(glob.glob(os.path.join(it_dir, 'scrapes', box + '.*')))
        files = [f for f in files if os.path.getsize(f) > 0]
        say(len(files) >= 5, '%s: %d scrapes while the clients ran' % (box, len(files)))
        bad = []
        for f in files:
            r = subprocess.run(['promtool', 'check', 'metrics'], stdin=open(f), capture_output=True, text=True)
            if r.returncode != 0:
                bad.append('%s: %s' % (os.path.basename(f), (r.stdout + r.stderr).strip()))
        say(not bad, '%s: promtool check metrics accepts every one of the %d scrapes %s' % (box, len(files), bad[:3]))
        prev, down = None, []
        for f in files:
            cur = {k: v for k, v in parse(open(f).read()).items()
                   if k[0].endswith(('_total', '_bucket', '_count', '_sum'))}
            if prev is not None:
                down += ['%s%s %s -> %s' % (k[0], dict(k[1]), prev[k], v)
                         for k, v in cur.items() if k in prev and v < prev[k]]
                down += ['%s%s vanished' % (k[0], dict(k[1])) for k in prev if k not in cur]
            prev = cur
        say(not down, '%s: no counter went down or vanished across %d scrapes %s' % (box, len(files), down[:5]))
    tf = os.path.join(it_dir, 'prom', 'bearerbox.prom')
    r = subprocess.run(['promtool', 'check', 'metrics'], stdin=open(tf), capture_output=True, text=True)
    say(r.returncode == 0, 'textfile: promtool check metrics accepts it ' + r.stdout + r.stderr)
    sys.exit(0 if ok else 1)

def box_of(connector):
    return 'opensmppbox' if connector == 'smpp-in' else 'bearerbox'

def derive():
    """Every counter as docs/metrics.md derives it from the logs."""
    d = {k: {} for k in ('connects', 'logins', 'disconnects', 'pdus', 'refused', 'responses', 'dropped', 'reloads')}
    def inc(fam, key, n=1):
        d[fam][key] = d[fam].get(key, 0) + n
    ts = r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} '
    for path in glob.glob(os.path.join(logs, 'connector.*')):
        if path.endswith('.jsonl'):
            continue
        c = os.path.basename(path)[len('connector.'):]
        for line in open(path, encoding='latin-1'):
            m = re.match(ts + r'\((\d+)\) (CONNECT|LOGIN|DISCONNECT) (OK|ERR)(?: \(info="([^"]*)"\))?$', line)
            if not m:
                raise ValueError(path + ': ' + line)
            ev, res, info = m.group(2), m.group(3), m.group(4) or ''
            if ev == 'CONNECT':
                inc('connects', (box_of(c), c, 'ok' if res == 'OK' else 'err', '' if res == 'OK' else info))
            elif ev == 'LOGIN':
                inc('logins', (box_of(c), c, info.split(' ')[0]))
            elif res == 'OK':
                inc('disconnects', (box_of(c), c, 'unbound', ''))
            elif re.match(r'^-?\d+$', info):
                inc('disconnects', (box_of(c), c, 'io-error', info))
            else:
                inc('disconnects', (box_of(c), c, info, ''))
    for path in glob.glob(os.path.join(logs, 'pdu.*')):
        if path.endswith('.jsonl'):
            continue
        c = os.path.basename(path)[len('pdu.'):]
        pending = {}
        for line in open(path, encoding='latin-1'):
            m = re.match(ts + r'INFO  \(([^,]+),(\d+)\) (Read|Write) op:0x([0-9a-f]{8}) \((\S+)\) status:(\d+) trn:(\d+) ', line)
            if not m:
                raise ValueError(path + ': ' + line)
            inst, dirn, opid, name, status, trn = m.group(2), m.group(3), int(m.group(4), 16), m.group(5), m.group(6), m.group(7)
            resp = opid & 0x80000000
            inc('pdus', (box_of(c), c, dirn.lower(), name, status if resp else '0'))
            if opid in (0x1, 0x2, 0x9):
                # A bind opens a new connection of this instance: what the
                # old one left unanswered is gone (its DISCONNECT).
                pending = {k: v for k, v in pending.items() if k[0] != inst}
            if not resp and opid not in (0x0B, 0x102):
                pending[(inst, dirn, trn)] = (opid, name)
            elif resp:
                other = 'Write' if dirn == 'Read' else 'Read'
                req = pending.get((inst, other, trn))
                if req and (opid == (req[0] | 0x80000000) or opid == 0x80000000):
                    del pending[(inst, other, trn)]
                    inc('responses', (box_of(c), c, req[1]))
    for line in open(os.path.join(logs, 'security'), encoding='latin-1'):
        m = re.match(ts + r'WARN  \(([^,)]+)(?:,\d+)?\) DENY (CONNECT|LOGIN) ', line)
        if m:
            inc('refused', (box_of(m.group(1)), m.group(1), 'connect' if m.group(2) == 'CONNECT' else 'bind'))
    for box in ('bearerbox', 'opensmppbox'):
        for log in ('connector', 'pdu', 'security', 'general', 'message'):
            d['dropped'][(box, log)] = 0
        for r in ('ok', 'rejected'):
            d['reloads'][(box, r)] = 0
    for line in open(os.path.join(logs, 'general'), encoding='latin-1'):
        m = re.search(r'\((bearerbox|opensmppbox)\) DROPPED count="(\d+)" file="([a-z]+)', line)
        if m:
            inc('dropped', (m.group(1), m.group(3)), int(m.group(2)))
    return d

families = {
    'connects': ('emgdiag_connects_total', ('box', 'connector', 'result', 'errno')),
    'logins': ('emgdiag_logins_total', ('box', 'connector', 'status')),
    'disconnects': ('emgdiag_disconnects_total', ('box', 'connector', 'reason', 'errno')),
    'pdus': ('emgdiag_pdus_total', ('box', 'connector', 'direction', 'op', 'status')),
    'refused': ('emgdiag_access_refused_total', ('box', 'connector', 'stage')),
    'responses': ('emgdiag_response_seconds_count', ('box', 'connector', 'op')),
    'dropped': ('emgdiag_log_lines_dropped_total', ('box', 'log')),
    'reloads': ('emgdiag_config_reloads_total', ('box', 'result')),
}

def held():
    d = {}
    for fam, (name, labels) in families.items():
        res = query(name)
        if res.get('status') != 'success':
            raise RuntimeError(name + ': ' + json.dumps(res))
        d[fam] = {tuple(s['metric'].get(l, '') for l in labels): int(float(s['value'][1]))
                  for s in res['data']['result']}
    return d

if step == 'counters':
    deadline = time.time() + 25
    while True:
        want, got = derive(), held()
        if want == got or time.time() > deadline:
            break
        time.sleep(1)
    for fam, (name, labels) in families.items():
        w, g = want[fam], got[fam]
        diff = ['%s: logs %s, Prometheus %s' % (k, w.get(k), g.get(k)) for k in sorted(set(w) | set(g), key=str) if w.get(k) != g.get(k)]
        say(not diff and (fam in ('dropped', 'reloads', 'disconnects') or w),
            '%s: %d series, each equal to the count from the logs (%d samples) %s' % (name, len(w), sum(w.values()), diff[:6]))
    # The scenario's landmarks are among them.
    c = want['connects']
    say(c.get(('bearerbox', 'closed', 'err', '111'), 0) >= 1, 'connect 111 counted for closed')
    say(want['logins'].get(('bearerbox', 'badpw', '14')) == 1, 'bind refused 14 counted for badpw')
    say(want['logins'].get(('opensmppbox', 'smpp-in', '14')) == 1, 'bind refused 14 counted for smpp-in (pinned)')
    say(want['refused'].get(('opensmppbox', 'smpp-in', 'connect')) == 1 and want['refused'].get(('opensmppbox', 'smpp-in', 'bind')) == 1,
        'refusals at connect and at bind counted')
    say(want['pdus'].get(('bearerbox', 'smpp-out', 'read', 'SUBMIT_SM_RESP', '88'), 0) >= 8, 'throttling (88) counted as a status')
    say(want['responses'].get(('bearerbox', 'smpp-out', 'SUBMIT_SM'), 0) >= 300, 'submit_sm response times observed')
    sys.exit(0 if ok else 1)

if step == 'gauges':
    res = query('emgdiag_session_up{connector="smpp-out"}')['data']['result']
    say([(r['metric'].get('exported_instance'), r['value'][1]) for r in res] == [('0', '1')],
        'smpp-out: one session, up (its number as exported_instance) %s' % res)
    res = query('emgdiag_session_info{connector="smpp-out"}')['data']['result']
    say(len(res) == 1 and res[0]['metric'].get('peer') == '127.0.0.1' and res[0]['metric'].get('system_id') == 'SMSC-A',
        'smpp-out: session_info peer 127.0.0.1, system_id SMSC-A %s' % res)
    res = query('time() - emgdiag_session_up_since_seconds{connector="smpp-out"}')['data']['result']
    say(len(res) == 1 and 0 < float(res[0]['value'][1]) < 300, 'smpp-out: up since a moment ago %s' % res)
    res = query('emgdiag_outstanding_requests{connector="smpp-out"}')['data']['result']
    say(len(res) == 1 and res[0]['value'][1] == '0', 'smpp-out: no request outstanding %s' % res)
    res = query('emgdiag_session_up{connector="closed"}')['data']['result']
    say(res == [], 'closed: stopped, no session left %s' % res)
    res = query('emgdiag_build_info')['data']['result']
    say(sorted(r['metric']['box'] for r in res) == ['bearerbox', 'opensmppbox'] and
        all(r['metric'].get('host_version', '').startswith('Kannel') for r in res), 'build_info from both boxes')
    sys.exit(0 if ok else 1)

if step == 'expressions':
    dash = json.load(open(os.path.join(top, 'contrib', 'grafana', 'emgdiag.json')))
    exprs = [t['expr'] for p in dash['panels'] for t in p['targets']]
    for e in exprs:
        q = e.replace('$__rate_interval', '1m').replace('$job', '.*').replace('$connector', '.*')
        res = query(q)
        say(res.get('status') == 'success' and res['data']['result'],
            'dashboard: %s evaluates with data (%d series)' % (e[:70], len(res['data']['result']) if res.get('status') == 'success' else -1))
    with urllib.request.urlopen('http://127.0.0.1:%s/api/v1/rules' % prom, timeout=10) as r:
        rules = [x for g in json.load(r)['data']['groups'] for x in g['rules']]
    shipped = re.findall(r'^\s*- alert: (\S+)$', open(os.path.join(top, 'contrib', 'prometheus', 'emgdiag.rules.yml')).read(), re.M)
    say(sorted(x['name'] for x in rules) == sorted(shipped), 'rules: Prometheus loaded all %d' % len(shipped))
    for x in rules:
        say(x.get('health') == 'ok' and not x.get('lastError') and x.get('lastEvaluation', '').startswith('20'),
            'rule %s evaluated without error (%s %s)' % (x['name'], x.get('health'), x.get('lastError', '')))
    sys.exit(0 if ok else 1)
PY

report() { # runs a step; each PASS/FAIL line counts
    local line
    while IFS= read -r line; do
        case $line in
        "PASS: "*) it_pass "${line#PASS: }" ;;
        "FAIL: "*) it_fail "${line#FAIL: }" ;;
        *) echo "$line" ;;
        esac
    done < <(python3 "$IT_DIR/check.py" "$IT_DIR" "$L" "$PROM" "$TOP" "$1" 2>&1)
}
report scrapes
report counters
report gauges
report expressions

if [ "$SECONDS" -le "$BUDGET" ]; then it_pass "within the ${BUDGET}s budget (${SECONDS}s)"; else it_fail "over the ${BUDGET}s budget (${SECONDS}s)"; fi
it_summary
