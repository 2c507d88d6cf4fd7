#!/usr/bin/env python3
"""it_helper.py: runs logcmp.py and wire_expect.py for one test, in one process.

An integration test compares dozens of files and builds dozens of expected
files; starting Python for each costs more than the work (most of a second
through a version manager's shim).  lib.sh starts this once per test as a
coprocess and sends it one request at a time on stdin: the number of
arguments, then the arguments (the tool's name first: "logcmp" or
"wire_expect"), each ended by a NUL octet.  For each request it answers on
stdout, one line each, flushed:
    o <a line the tool printed on stdout>
    e <a line the tool printed on stderr>
    rc <the tool's exit status>
It ends when stdin ends.
"""
import contextlib
import io
import sys

import logcmp
import wire_expect

TOOLS = {"logcmp": logcmp.main, "wire_expect": wire_expect.main}


def fields(stream):
    """The NUL-terminated fields of a byte stream, as they come."""
    buf = b""
    while True:
        chunk = stream.read1(65536)
        if not chunk:
            return
        buf += chunk
        while b"\0" in buf:
            field, buf = buf.split(b"\0", 1)
            yield field.decode("utf-8", "surrogateescape")


def run(tool, args):
    out, err = io.StringIO(), io.StringIO()
    sys.argv = [tool + ".py"] + args
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = TOOLS[tool]()
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
        except Exception as e:  # a bug in a tool fails the check, with its reason
            print("it_helper.py: %s: %r" % (tool, e), file=sys.stderr)
            rc = 2
    return rc or 0, out.getvalue(), err.getvalue()


def main():
    reply = sys.stdout.buffer
    it = fields(sys.stdin.buffer)
    for count in it:
        words = [next(it) for _ in range(int(count))]
        if not words or words[0] not in TOOLS:
            rc, out, err = 2, "", "it_helper.py: no such tool: %r\n" % words[:1]
        else:
            rc, out, err = run(words[0], words[1:])
        text = "".join("o %s\n" % x for x in out.splitlines())
        text += "".join("e %s\n" % x for x in err.splitlines())
        reply.write((text + "rc %d\n" % rc).encode("utf-8", "surrogateescape"))
        reply.flush()


if __name__ == "__main__":
    main()
