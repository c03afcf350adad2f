#!/usr/bin/env python3
"""The desk under Wine, in a pseudo-terminal (scripts/windows-smoke.sh).

Starts `casedesk.exe --db OFFICE` with Wine's console on a pty, waits for
the login page, logs in as `staff` (password `demo`), waits for the Home
page, quits with Ctrl-Q and `y` and checks the program ended by itself with status
0. Exits non-zero with a message at the first failure.

Usage: desk_smoke.py WINE EXE OFFICE
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

wine, exe, office = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(wine, [wine, exe, "--db", office])

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
seen = b""


def text():
    # Wine redraws with escape sequences and wraps its own lines; only the
    # words matter here.
    plain = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen)
    return re.sub(rb"[\r\n]", b"", plain).decode("utf-8", "replace")


def wait_for(words, seconds):
    global seen
    end = time.time() + seconds
    while time.time() < end:
        if all(w in text() for w in words):
            return True
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return all(w in text() for w in words)


def fail(why):
    print(f"desk smoke: {why}", file=sys.stderr)
    print(text()[-2000:], file=sys.stderr)
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    sys.exit(1)


if not wait_for(["log in", "Password"], 60):
    fail("no login page")
seen = b""
os.write(fd, b"staff\t")
time.sleep(0.5)
os.write(fd, b"demo\r")
if not wait_for(["Home", "Register"], 60):
    fail("no Home page after logging in")
seen = b""
os.write(fd, b"\x11")  # Ctrl-Q asks first on the desk
if not wait_for(["Quit casedesk?"], 30):
    fail("Ctrl-Q did not ask before quitting")
os.write(fd, b"y")
end = time.time() + 30
while time.time() < end:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    wait_for(["never"], 0.5)
else:
    fail("the desk did not quit on Ctrl-Q")
if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
    fail(f"the desk ended with status {status}")
print("desk smoke: ok (login page, Home, Ctrl-Q, y)")
