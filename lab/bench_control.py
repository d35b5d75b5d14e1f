#!/usr/bin/env python3
"""Control clients that never read, against a relay holding a full table: run by scripts/bench-scale.
First one `status` alone, which on the kernel dataplane reads every session's counters from the
kernel: the relay's RSS before it and at its peak. Then --clients connections ask for `sessions` with a one-byte receive buffer and never read a byte; a
second later one client reads its whole answer (a full house makes the relay close the oldest one
that never read, for it). Prints one line, 'before peak after closed reader_bytes reader_sessions
reader_seconds last_close_seconds': the relay's RSS in KiB before the clients, at its peak (VmHWM,
reset first through clear_refs) and once it closed them, preceded by 'status_before status_peak', how many of them it closed within
--wait seconds, what the reader got, and when the relay closed the last of them."""
import argparse, json, select, socket, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--socket", required=True)
parser.add_argument("--pid", required=True)
parser.add_argument("--clients", type=int, default=32)
parser.add_argument("--wait", type=float, default=15)
args = parser.parse_args()


def kib(field):
    with open("/proc/%s/status" % args.pid) as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def reset_peak():
    with open("/proc/%s/clear_refs" % args.pid, "w") as refs:
        refs.write("5")


def ask(request):
    s = socket.socket(socket.AF_UNIX)
    s.connect(args.socket)
    s.sendall(request)
    answer = b""
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            return answer
        answer += chunk


reset_peak()
status_before = kib("VmRSS")
ask(b"status\n")
status_peak = kib("VmHWM")
time.sleep(0.5)
reset_peak()
before = kib("VmRSS")
started = time.monotonic()
held = []
for _ in range(args.clients):
    s = socket.socket(socket.AF_UNIX)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    s.connect(args.socket)
    s.sendall(b"sessions\n")
    held.append(s)

# Closed by the relay: the peer hung up (POLLHUP), seen without reading what it sent; watched
# while the reader reads.
open_ones, closes = {s.fileno(): s for s in held}, []


def watch():
    poller = select.poll()
    for s in held:
        poller.register(s, select.POLLHUP)
    while open_ones and time.monotonic() - started < args.wait:
        for fd, events in poller.poll(100):
            if events & select.POLLHUP and fd in open_ones:
                poller.unregister(fd)
                del open_ones[fd]
                closes.append(time.monotonic() - started)


watcher = threading.Thread(target=watch)
watcher.start()
time.sleep(1)

asked = time.monotonic()
answer = ask(b"sessions\n")
took = time.monotonic() - asked
try:
    sessions = len(json.loads(answer)["sessions"])
except ValueError:
    sessions = -1

watcher.join()
last_close = max(closes, default=0.0)
time.sleep(0.5)
print(status_before, status_peak, before, kib("VmHWM"), kib("VmRSS"), args.clients - len(open_ones), len(answer), sessions, "%.2f" % took,
      "%.1f" % last_close)
