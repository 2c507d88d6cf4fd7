#!/usr/bin/env python3
"""logcmp.py: compares a whole log file the module wrote with the file a test expects.

The integration tests (through lib.sh's it_assert_file* and it_assert_jsonl)
build an expected file from docs/connector-log.md,
docs/pdu-log.md and what crossed the wire, then hand both files here.  A
difference anywhere -- an extra, missing, duplicated, changed or misordered
line -- fails, and is shown as a unified diff.

  logcmp.py text ACTUAL EXPECTED [--per-instance]
      ACTUAL is a text log: every line starts with a timestamp
      `YYYY-MM-DD HH:MM:SS.uuuuuu` and one space (the docs' "Timestamps").
      Each timestamp must have that shape and none may be earlier than the
      one before it; exactly that prefix is removed and the rest of each
      line must equal EXPECTED's line, in order.  With --per-instance the
      lines are compared per session: grouped by their `(K)` (connector
      log) or `(name,K)` / `(name)` (pdu, security and general logs) part,
      each group whole and in order against the same group of EXPECTED; the
      order between groups is free (concurrent sessions), and so is the
      order of their timestamps: they must not go backwards within a group.
  logcmp.py text ACTUAL EXPECTED --sessions
      For sessions that ran at once and whose instance numbers the wire
      cannot tell: EXPECTED is one block of lines per session, blocks
      separated by an empty line, each written with the instance as "K"
      (`(K) ...`, `INFO  (name,K) ...`).  Each instance's lines in ACTUAL,
      in order, must be expected sessions one after the other, K being that
      instance, every session used exactly once; the order between
      instances (and of their timestamps) is free.
  logcmp.py limited ACTUAL EXPECTED --per-second N --reason EVENT
      For a flood of refusals (docs/connector-log.md#security-and-general):
      EXPECTED holds one line per refusal that happened (instance as "K"
      where it has one); ACTUAL must hold each at most once, at most N of
      them in any one second, and SUPPRESSED lines (reason EVENT) counting
      the rest: each after the second whose refusals it counts, which had
      the N lines the limit allows.  Nothing else may be in ACTUAL.
  logcmp.py json ACTUAL EXPECTED [--text TEXT] [--utc]
      ACTUAL is a JSON twin (one object per line), EXPECTED one object per
      line without "ts".  Each `ts` must be ISO 8601 with microseconds and
      an offset and never go backwards; it is removed and the objects are
      compared (top-level members in any order, the members of "fields" in
      order, as docs/pdu-log.md asks).  With --text, object N's ts must also
      be the instant of line N of the text twin TEXT (local time, or UTC
      with --utc).

In EXPECTED, a line "#any-order N" lets the N lines after it come in any
order among themselves (events whose order the docs leave open, such as the
two lines one signal causes from two threads); the test says why where it
uses one.

Exit status 0 when the files agree, 1 when they differ (what differs is on
stderr), 2 on bad usage.
"""
import argparse
import difflib
import json
import re
import sys
from datetime import datetime, timezone

TEXT_TS = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}) ")
JSON_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}:\d{2}$")
CONNECTOR_TAG = re.compile(r"^(\([0-9-]+\)) ")
EVENT_TAG = re.compile(r"^[A-Z]+ +(\([^()]*\)) ")
MAX_DIFF_LINES = 80


def read_lines(path):
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        data = f.read()
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
        partial = False
    else:
        partial = bool(data)
    return lines, partial


def show(text):
    """A line as it may be printed (undecodable octets as \\xHH)."""
    return text.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")


def unified(expected, actual, exp_name, act_name):
    diff = list(difflib.unified_diff([show(x) for x in expected], [show(x) for x in actual],
                                     exp_name, act_name, lineterm="", n=2))
    if len(diff) > MAX_DIFF_LINES:
        diff = diff[:MAX_DIFF_LINES] + ["... (%d more diff lines)" % (len(diff) - MAX_DIFF_LINES)]
    return diff


ANY_ORDER = re.compile(r"^#any-order ([0-9]+)$")


def resolve_any_order(expected, actual, key=lambda x: x):
    """EXPECTED with each "#any-order N" run put in ACTUAL's order when ACTUAL
    holds the same N lines at that place (otherwise left as written, so the
    diff shows it)."""
    out, i = [], 0
    while i < len(expected):
        m = ANY_ORDER.match(expected[i])
        if not m:
            out.append(expected[i])
            i += 1
            continue
        n = int(m.group(1))
        run, here = expected[i + 1:i + 1 + n], actual[len(out):len(out) + n]
        same = sorted(map(key, run)) == sorted(map(key, here))
        out.extend(here if same else run)
        i += 1 + n
    return out


def strip_text_timestamps(lines, problems, per_session=False, ordered=True):
    """The lines without their timestamp; shape and order problems appended.
    With per_session, timestamps must not go backwards within each session
    (instance tag) only: the docs promise no order of the timestamps of
    concurrent sessions, whose lines are stamped on their own threads.
    Without ordered, only their shape is checked (refusals of clients that
    connect at once are stamped on the clients' threads)."""
    out, last, lasts = [], None, {}
    for n, line in enumerate(lines, 1):
        m = TEXT_TS.match(line)
        ts = m.group(1) if m else None
        if ts is not None:
            try:
                datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f")
            except ValueError:
                ts = None
        if ts is None:
            problems.append("line %d has no timestamp YYYY-MM-DD HH:MM:SS.uuuuuu: '%s'" % (n, show(line)))
            out.append(line)
            continue
        rest = line[m.end():]
        if per_session:
            last = lasts.get(instance_tag(rest))
        if ordered and last is not None and ts < last:
            problems.append("line %d: timestamp %s is earlier than the line before it%s (%s)"
                            % (n, ts, " of its session" if per_session else "", last))
        last = lasts[instance_tag(rest)] = ts
        out.append(rest)
    return out


def instance_tag(line):
    """The part of a line (timestamp removed) that names its session."""
    m = CONNECTOR_TAG.match(line) or EVENT_TAG.match(line)
    return m.group(1) if m else "(no session part)"


def groups(lines):
    g = {}
    for line in lines:
        g.setdefault(instance_tag(line), []).append(line)
    return g


def compare_text(a):
    problems = []
    try:
        raw, partial = read_lines(a.actual)
        expected, _ = read_lines(a.expected)
    except OSError as e:
        return ["cannot read: %s" % e]
    if partial:
        problems.append("the last line of %s has no newline" % a.actual)
    actual = strip_text_timestamps(raw, problems, a.sessions or a.per_instance)
    act_name = "%s (timestamps removed)" % a.actual
    if a.sessions:
        return problems + compare_sessions(expected, actual, act_name)
    if getattr(a, "directions", False):
        return problems + compare_directions(expected, actual, a.expected, act_name)
    if not a.per_instance:
        expected = resolve_any_order(expected, actual)
        if actual != expected:
            problems.append("%d lines expected, %d found; diff:" % (len(expected), len(actual)))
            problems.extend(unified(expected, actual, a.expected, act_name))
        return problems
    want, got = groups(expected), groups(actual)
    for tag in sorted(set(want) | set(got)):
        w, h = want.get(tag, []), got.get(tag, [])
        if w != h:
            problems.append("session %s: %d lines expected, %d found; diff:" % (tag, len(w), len(h)))
            problems.extend(unified(w, h, "%s %s" % (a.expected, tag), "%s %s" % (act_name, tag)))
    return problems


PDU_DIRECTION = re.compile(r"^INFO  \([^()]+\) (Read|Write) ")


def compare_directions(expected, actual, exp_name, act_name):
    """A pdu log whose peer pipelines requests: docs/pdu-log.md promises
    wire order within each direction, and across directions only the
    host's processing order, which a peer's record of the wire cannot give.
    Each direction's lines are compared whole and in order; a line of
    neither direction is compared in place."""
    problems = []
    for d in ("Read", "Write", None):
        def pick(lines):
            out = []
            for line in lines:
                m = PDU_DIRECTION.match(line)
                if (m.group(1) if m else None) == d:
                    out.append(line)
            return out
        w, h = pick(expected), pick(actual)
        if w != h:
            what = d or "other"
            problems.append("%s lines: %d expected, %d found; diff:" % (what, len(w), len(h)))
            problems.extend(unified(w, h, "%s (%s)" % (exp_name, what), "%s (%s)" % (act_name, what)))
    return problems


K_TAG = re.compile(r"^(\(|[A-Z]+ +\([^(),]+,)K\) ")
NUMBERED_TAG = re.compile(r"^\((?:[^(),]+,)?(-?[0-9]+)\)$")
SUPPRESSED = re.compile(r'^WARN  \(([^(),]+)\) SUPPRESSED count="([0-9]+)" reason="([^"]*)"$')


def instantiate(line, k):
    """An expected line with its instance placeholder K replaced by k."""
    m = K_TAG.match(line)
    if not m or k is None:
        return line
    return m.group(1) + k + ") " + line[m.end():]


def instance_number(tag):
    m = NUMBERED_TAG.match(tag)
    return m.group(1) if m else None


def blocks_of(lines):
    """EXPECTED's sessions: blocks of lines separated by empty lines."""
    blocks, cur = [], []
    for x in lines + [""]:
        if x == "":
            if cur:
                blocks.append(cur)
            cur = []
        else:
            cur.append(x)
    return blocks


def fit(lines, pos, k, blocks, used):
    """(True, _) when lines[pos:] is unused blocks one after the other (with
    instance k); else (False, how far the best attempt got)."""
    if pos == len(lines):
        return True, pos
    best, tried = pos, set()
    for i, b in enumerate(blocks):
        if used[i]:
            continue
        inst = [instantiate(x, k) for x in b]
        if tuple(inst) in tried or inst != lines[pos:pos + len(inst)]:
            continue
        tried.add(tuple(inst))
        used[i] = True
        ok, reach = fit(lines, pos + len(inst), k, blocks, used)
        if ok:
            return True, reach
        best = max(best, reach)
        used[i] = False
    return False, best


def compare_sessions(expected, actual, act_name):
    problems = []
    blocks = blocks_of(expected)
    used = [False] * len(blocks)
    for tag, lines in groups(actual).items():
        k = instance_number(tag)
        ok, reach = fit(lines, 0, k, blocks, used)
        if ok:
            continue
        problems.append("instance %s: its lines from line %d on are no expected session (%d lines in all):"
                        % (tag, reach + 1, len(lines)))
        near = [[instantiate(x, k) for x in b] for i, b in enumerate(blocks)
                if not used[i] and instantiate(b[0], k) == lines[reach]]
        if near:
            problems.extend(unified(near[0], lines[reach:reach + len(near[0]) + 2],
                                    "the expected session that starts like it", act_name))
        else:
            problems.extend("  %s" % show(x) for x in lines[reach:reach + 5])
            problems.append("no expected session left starts with that line; unused sessions start: %s"
                            % "; ".join(b[0] for i, b in enumerate(blocks) if not used[i])[:600])
        return problems
    missing = [b for i, b in enumerate(blocks) if not used[i]]
    if missing:
        problems.append("%d expected sessions are not in %s; the first:" % (len(missing), act_name))
        problems.extend("  %s" % x for x in missing[0])
    return problems


def compare_limited(a):
    problems = []
    try:
        raw, partial = read_lines(a.actual)
        candidates, _ = read_lines(a.expected)
    except OSError as e:
        return ["cannot read: %s" % e]
    if partial:
        problems.append("the last line of %s has no newline" % a.actual)
    stamps = [TEXT_TS.match(x).group(1) if TEXT_TS.match(x) else None for x in raw]
    # A flood's refusals come from clients connecting at once, each stamped
    # on its own thread: their order in the file and their stamps' order may
    # differ by microseconds (docs/connector-log.md, Files).
    lines = strip_text_timestamps(raw, problems, per_session=True, ordered=False)
    connector = instance_tag(candidates[0])[1:-1].split(",")[0] if candidates else None
    left = list(candidates)
    per_second, shown, suppressed, last_second = {}, 0, 0, None
    for n, (ts, line) in enumerate(zip(stamps, lines), 1):
        second = ts[:19] if ts else None
        m = SUPPRESSED.match(line)
        if m:
            if m.group(1) != connector or m.group(3) != a.reason:
                problems.append("line %d: a SUPPRESSED line of another connector or event: '%s'" % (n, show(line)))
            elif last_second is None or per_second.get(last_second, 0) != a.per_second:
                problems.append("line %d: SUPPRESSED, but no second before it had the %d lines the limit allows"
                                % (n, a.per_second))
            elif second is not None and second <= last_second:
                problems.append("line %d: SUPPRESSED within the second (%s) whose refusals it counts"
                                % (n, last_second))
            suppressed += int(m.group(2))
            continue
        k = instance_number(instance_tag(line))
        for i, c in enumerate(left):
            if instantiate(c, k) == line:
                del left[i]
                break
        else:
            problems.append("line %d is no refusal that happened (or one already logged): '%s'" % (n, show(line)))
            continue
        shown += 1
        if second is not None:
            per_second[second] = per_second.get(second, 0) + 1
            last_second = second
    for second, count in sorted(per_second.items()):
        if count > a.per_second:
            problems.append("%d lines in the second %s, more than %d" % (count, second, a.per_second))
    if shown + suppressed != len(candidates):
        problems.append("%d refusals happened; %d lines + %d counted as SUPPRESSED = %d"
                        % (len(candidates), shown, suppressed, shown + suppressed))
    return problems


def canonical(obj):
    """One line per object: top-level members sorted, "fields" kept in its order."""
    if not isinstance(obj, dict):
        return json.dumps(obj)
    return "{" + ",".join("%s:%s" % (json.dumps(k), json.dumps(obj[k], ensure_ascii=False))
                          for k in sorted(obj)) + "}"


def compare_json(a):
    problems = []
    try:
        raw, partial = read_lines(a.actual)
        expected_raw, _ = read_lines(a.expected)
        text = read_lines(a.text)[0] if a.text else None
    except OSError as e:
        return ["cannot read: %s" % e]
    if partial:
        problems.append("the last line of %s has no newline" % a.actual)
    expected = []
    for n, line in enumerate(expected_raw, 1):
        if ANY_ORDER.match(line):
            expected.append(line)
            continue
        try:
            expected.append(canonical(json.loads(line)))
        except ValueError as e:
            return ["expected file %s, line %d is not JSON (%s): %s" % (a.expected, n, e, line)]
    actual, stamps, last = [], [], None
    for n, line in enumerate(raw, 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            problems.append("line %d is not JSON (%s): '%s'" % (n, e, show(line)))
            actual.append(show(line))
            stamps.append(None)
            continue
        ts = obj.pop("ts", None) if isinstance(obj, dict) else None
        when = None
        if isinstance(ts, str) and JSON_TS.match(ts):
            try:
                when = datetime.fromisoformat(ts)
            except ValueError:
                pass
        if when is None:
            problems.append("line %d: ts %r is not YYYY-MM-DDTHH:MM:SS.uuuuuu+HH:MM" % (n, ts))
        elif last is not None and when < last:
            problems.append("line %d: ts %s is earlier than the line before it" % (n, ts))
        last = when or last
        stamps.append(when)
        actual.append(canonical(obj))
    expected = resolve_any_order(expected, actual)
    if actual != expected:
        problems.append("%d objects expected, %d found; diff (ts removed, members sorted):"
                        % (len(expected), len(actual)))
        problems.extend(unified(expected, actual, a.expected, "%s (ts removed)" % a.actual))
    if text is not None:
        if len(text) != len(raw):
            problems.append("%d objects but %d lines in the text twin %s" % (len(raw), len(text), a.text))
        for n, (when, line) in enumerate(zip(stamps, text), 1):
            if when is None:
                continue
            moment = when.astimezone(timezone.utc) if a.utc else when.astimezone()
            if not line.startswith(moment.strftime("%Y-%m-%d %H:%M:%S.%f") + " "):
                problems.append("object %d: ts %s is not the timestamp of text line %d: '%s'"
                                % (n, when.isoformat(), n, show(line[:26])))
                break
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("text")
    t.add_argument("actual")
    t.add_argument("expected")
    t.add_argument("--per-instance", action="store_true")
    t.add_argument("--sessions", action="store_true")
    t.add_argument("--directions", action="store_true")
    lim = sub.add_parser("limited")
    lim.add_argument("actual")
    lim.add_argument("expected")
    lim.add_argument("--per-second", type=int, required=True)
    lim.add_argument("--reason", required=True)
    j = sub.add_parser("json")
    j.add_argument("actual")
    j.add_argument("expected")
    j.add_argument("--text")
    j.add_argument("--utc", action="store_true")
    a = ap.parse_args()
    problems = {"text": compare_text, "json": compare_json, "limited": compare_limited}[a.mode](a)
    for p in problems:
        print("  | " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
