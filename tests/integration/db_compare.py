#!/usr/bin/env python3
"""db_compare.py: the rows the database sink wrote against the files the
file sink wrote (docs/database.md).

  db_compare.py DB LOGDIR --node N --box CONNECTOR=BOX... [--missing N] [--messages]

DB is an SQLite file, "psql:CONNINFO" for PostgreSQL (rows read with
the psql client as row_to_json; the password from PGPASSWORD), or
"mysql:SOCKET:DATABASE" for MariaDB (rows read as user emgdiag with the
mariadb client as JSON_OBJECT; the password from MYSQL_PWD).

Every connector.*, pdu.* and security file of LOGDIR (with --messages
also every message.NAME file: the rows of messagelog whose box is NAME's,
--box NAME=BOX, or NAME itself) (text) and its JSON twin (.jsonl, written with format="both" and timezone="utc") is read.  Each
row of connectorlog, pdulog and securitylog is turned back into the JSON
object docs/database.md says its columns come from (ts from microseconds
as the twin writes it in UTC, the other members from their columns,
`fields` from its JSON text) and must be one of the twin's objects of its
log; its `line` must be one of the text file's lines, and start as the text
form of that same object does.  Without --missing, rows and lines must
match one for one (multisets, per file); with --missing N, the rows must be
a part of the lines and exactly N lines in all must have no row.  node,
box and the columns cut from `fields` (message_id, receipted_message_id,
source_addr, destination_addr) are checked too, and that every connector
and pdu row has a session id (none with --loaded: emgdiag-db load's rows;
exactly N without one with --sessionless N: the sink's rows and then a
load of the lines it dropped).  Prints what differs;
exit 0 when nothing does.
"""
import argparse
import collections
import datetime
import glob
import json
import os
import sqlite3
import subprocess
import sys


def iso(us):
    t = datetime.datetime.fromtimestamp(us // 1000000, datetime.timezone.utc)
    return t.strftime('%Y-%m-%dT%H:%M:%S') + '.%06d+00:00' % (us % 1000000)


def text_ts(us):
    t = datetime.datetime.fromtimestamp(us // 1000000, datetime.timezone.utc)
    return t.strftime('%Y-%m-%d %H:%M:%S') + '.%06d' % (us % 1000000)


def canon(obj):
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, 'rb') as f:
        data = f.read()
    return [l.decode('utf-8', 'surrogateescape') for l in data.split(b'\n')[:-1]]


def first_field(fields, key):
    v = fields.get(key)
    if isinstance(v, list):
        v = v[0] if v else None
    return v if isinstance(v, str) else None


def row_object(table, r):
    o = {'ts': iso(r['ts']), 'connector': r['connector']}
    if r['instance'] is not None:
        o['instance'] = r['instance']
    if table == 'connectorlog':
        o['event'] = r['event']
        o['result'] = r['result']
        if r['info'] is not None:
            o['info'] = r['info']
    elif table == 'pdulog':
        for k in ('dir', 'op', 'name', 'status', 'trn', 'datalen'):
            o[k] = r[k]
        o['fields'] = r['fields']
        if r['error'] is not None:
            o['error'] = r['error']
    elif table == 'messagelog':
        o['instance'] = r['instance']
        for col in ('step', 'uuid', 'trn', 'message_id', 'part', 'to', 'from', 'dlr_key', 'ids',
                    'status', 'id_raw', 'type', 'url', 'key'):
            if r[col] is not None:
                o[{'message_id': 'id'}.get(col, col.replace('_', '-'))] = r[col]
    else:
        o['level'] = r['level']
        o['event'] = r['event']
        o.update(r['fields'])
    return o


def text_prefix(table, r):
    """The start of the text line that the row's columns call for."""
    ts = text_ts(r['ts'])
    if table == 'connectorlog':
        return '%s (%d) %s %s' % (ts, r['instance'], r['event'], r['result'])
    if table == 'messagelog':
        return '%s (%s,%d) %s ' % (ts, r['connector'], r['instance'], r['step'])
    if table == 'pdulog':
        return '%s INFO  (%s,%d) %s op:%s (%s) status:%d trn:%d datalen:%d' % (
            ts, r['connector'], r['instance'], 'Write' if r['dir'] == 'write' else 'Read',
            r['op'], r['name'], r['status'], r['trn'], r['datalen'])
    return '%s %-5s (%s' % (ts, r['level'], r['connector'])


class Rows:
    """The rows of each table, as dicts, from SQLite or PostgreSQL."""

    def __init__(self, db):
        self.cache = {}
        self.mysql = None
        if db.startswith('psql:'):
            self.psql = db[5:]
        elif db.startswith('mysql:'):
            self.psql = None
            self.mysql = db[6:].rsplit(':', 1)
        else:
            self.psql = None
            self.db = sqlite3.connect(db)
            self.db.row_factory = sqlite3.Row
            self.db.text_factory = lambda b: b.decode('utf-8', 'surrogateescape')

    def table(self, name):
        if name not in self.cache:
            if self.mysql is not None:
                rows = self.mysql_rows(name)
            elif self.psql is None:
                rows = [dict(r) for r in self.db.execute('SELECT * FROM %s ORDER BY id' % name)]
            else:
                out = subprocess.run(['psql', self.psql, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
                                      '-c', 'SELECT row_to_json(t) FROM %s t ORDER BY id' % name],
                                     check=True, capture_output=True).stdout
                rows = [json.loads(l) for l in out.decode('utf-8').split('\n') if l]
            for r in rows:
                if isinstance(r.get('fields'), str):
                    r['fields'] = json.loads(r['fields'])
            self.cache[name] = rows
        return self.cache[name]

    def mysql_query(self, sql):
        sock, database = self.mysql
        return subprocess.run(['mariadb', '--no-defaults', '-S', sock, '-uemgdiag', '-N', '-B', '-r',
                               database, '-e', sql], check=True, capture_output=True).stdout

    def mysql_rows(self, name):
        cols = self.mysql_query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND table_name = '%s' AND column_name <> 'row_key' ORDER BY ordinal_position" % name)
        cols = [c for c in cols.decode('ascii').split('\n') if c]
        obj = ', '.join("'%s', `%s`" % (c, c) for c in cols)
        out = self.mysql_query('SELECT JSON_OBJECT(%s) FROM %s ORDER BY id' % (obj, name))
        return [json.loads(l) for l in out.decode('utf-8').split('\n') if l]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('db')
    ap.add_argument('logdir')
    ap.add_argument('--node', required=True)
    ap.add_argument('--box', action='append', default=[])
    ap.add_argument('--missing', type=int)
    ap.add_argument('--loaded', action='store_true',
                    help='rows of emgdiag-db load: no session ids')
    ap.add_argument('--messages', action='store_true',
                    help='message.* files and messagelog too')
    ap.add_argument('--sessionless', type=int,
                    help='exactly this many connector and pdu rows without a session id')
    a = ap.parse_args()
    boxes = dict(b.split('=', 1) for b in a.box)
    db = Rows(a.db)
    problems = []
    missing = 0
    nrows = 0
    sessionless = 0
    groups = []
    for path in sorted(glob.glob(os.path.join(a.logdir, 'connector.*'))):
        if not path.endswith('.jsonl'):
            groups.append(('connectorlog', path, os.path.basename(path)[len('connector.'):]))
    for path in sorted(glob.glob(os.path.join(a.logdir, 'pdu.*'))):
        if not path.endswith('.jsonl'):
            groups.append(('pdulog', path, os.path.basename(path)[len('pdu.'):]))
    groups.append(('securitylog', os.path.join(a.logdir, 'security'), None))
    if a.messages:
        for path in sorted(glob.glob(os.path.join(a.logdir, 'message.*'))):
            if not path.endswith('.jsonl'):
                groups.append(('messagelog', path, os.path.basename(path)[len('message.'):]))
    message_rows = 0
    seen_connectors = collections.defaultdict(set)
    for table, path, connector in groups:
        lines = collections.Counter(read_lines(path))
        twins = collections.Counter(canon(json.loads(l)) for l in read_lines(path + '.jsonl'))
        if sum(lines.values()) != sum(twins.values()):
            problems.append('%s: %d text lines, %d twin lines' % (path, sum(lines.values()),
                                                                  sum(twins.values())))
        if connector is None:
            rows = db.table('securitylog')
        elif table == 'messagelog':
            box = boxes.get(connector, connector)
            rows = [r for r in db.table(table) if r['box'] == box]
            message_rows += len(rows)
        else:
            seen_connectors[table].add(connector)
            rows = [r for r in db.table(table) if r['connector'] == connector]
        nrows += len(rows)
        row_lines = collections.Counter()
        row_objs = collections.Counter()
        for r in rows:
            row_lines[r['line']] += 1
            o = canon(row_object(table, r))
            row_objs[o] += 1
            if not r['line'].startswith(text_prefix(table, r)):
                problems.append('%s row %d: line %r does not start as its columns say (%r)' %
                                (table, r['id'], r['line'], text_prefix(table, r)))
            if r['node'] != a.node:
                problems.append('%s row %d: node %r, not %r' % (table, r['id'], r['node'], a.node))
            want_box = boxes.get(r['connector'], boxes.get('*'))
            if want_box is not None and r['box'] != want_box:
                problems.append('%s row %d: box %r, not %r' % (table, r['id'], r['box'], want_box))
            if table == 'pdulog':
                f = r['fields']
                for col, key in (('message_id', 'MESSAGEID'),
                                 ('receipted_message_id', 'RECEIPTEDMESSAGEID'),
                                 ('source_addr', 'SOURCEADDR'),
                                 ('destination_addr', 'DESTINATIONADDR')):
                    if r[col] != first_field(f, key):
                        problems.append('%s row %d: %s %r, fields say %r' %
                                        (table, r['id'], col, r[col], first_field(f, key)))
            if table in ('connectorlog', 'pdulog') and a.sessionless is not None:
                sessionless += r['session'] is None
            elif table == 'messagelog' and r['session'] is not None:
                problems.append('%s row %d: session %r' % (table, r['id'], r['session']))
            elif table in ('connectorlog', 'pdulog') and (r['session'] is None) != a.loaded:
                problems.append('%s row %d: session %r' % (table, r['id'], r['session']))
        extra_lines = row_lines - lines
        extra_objs = row_objs - twins
        for l in list(extra_lines)[:5]:
            problems.append('%s: a row whose line is not in the file: %r' % (path, l))
        for o in list(extra_objs)[:5]:
            problems.append('%s: a row that is no twin of the file: %s' % (path, o))
        lost = lines - row_lines
        if a.missing is None:
            for l in list(lost)[:5]:
                problems.append('%s: a line without a row: %r' % (path, l))
            if twins - row_objs and not lost:
                problems.append('%s: twins without a row' % path)
        missing += sum(lost.values())
        print('%s: %d lines, %d rows' % (path, sum(lines.values()), len(rows)))
    if a.messages and message_rows != len(db.table('messagelog')):
        problems.append('messagelog: %d rows of no message file' %
                        (len(db.table('messagelog')) - message_rows))
    for table in ('connectorlog', 'pdulog'):
        for c in sorted(set(r['connector'] for r in db.table(table))):
            if c not in seen_connectors[table]:
                problems.append('%s: rows of connector %r, which has no file' % (table, c))
    if a.missing is not None and missing != a.missing:
        problems.append('%d lines without a row, %d dropped' % (missing, a.missing))
    if a.sessionless is not None and sessionless != a.sessionless:
        problems.append('%d connector and pdu rows without a session id, not %d' %
                        (sessionless, a.sessionless))
    print('%d rows, %d lines without a row' % (nrows, missing))
    for p in problems:
        print('DIFF ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
