#!/usr/bin/python3
"""The serial-modem lab: a modem emulator on a pseudo-terminal and a PPPoE client that talks PPP.

  emulator   creates a pty pair, links PATH to the serial side (what the relay opens) and plays
             a modem on the other: answers AT commands (OK, CONNECT after --connect-delay), then
             speaks PPP in asynchronous HDLC: an LCP peer that asks for ACCM, ACFC and PFC (so the
             relay's option filter has work), answers and sends LCP Echo-Requests, and hangs up
             by closing the line (--hangup-after, --hangup-by eof) or by LCP (--hangup-by lcp).
             It notices the relay hanging up as the serial side closing (DTR drop on a pty).
             --bench: echoes every IPv4 frame back, reading and writing at --rate bytes/s.
  client     runs rp-pppoe's `pppoe` client and speaks PPP through it: a Configure-Request
             with an ACCM in it (RFC 2516 forbids it; the relay must reject it), Acks the
             modem's requests, answers and sends Echo-Requests; SIGTERM makes it send PADT.

Every event is a JSON line in the --log file, which the tests read. Framing and FCS are
pppoe_lab.py's (Python, independent of the relay's Swift). Run it with /usr/bin/python3.
"""

import argparse
import errno
import os
import pty
import select
import shlex
import signal
import struct
import subprocess
import sys
import time
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pppoe_lab import EventLog, HdlcDecoder, hdlc_encode, lcp, describe, PPP_LCP  # noqa: E402

LCP_CONF_REQ, LCP_CONF_ACK, LCP_CONF_NAK, LCP_CONF_REJ = 1, 2, 3, 4
LCP_TERM_REQ, LCP_TERM_ACK = 5, 6
LCP_ECHO_REQ, LCP_ECHO_REPLY = 9, 10
PPP_IPV4 = 0x0021


def options(payload):
    """LCP options of a Configure-* packet as (type, bytes)."""
    out, at = [], 4
    while at + 2 <= len(payload):
        kind, length = payload[at], payload[at + 1]
        if length < 2:
            break
        out.append((kind, payload[at:at + length]))
        at += length
    return out


class LCPPeer:
    """Both ends' LCP, as far as the lab needs: Configure (with the options given), Echo, Terminate."""

    def __init__(self, log, write, wanted, side):
        self.log, self.write, self.side = log, write, side
        self.wanted = dict(wanted)
        self.ident = 0
        self.echo_sent = 0
        self.opened = False

    def send(self, code, payload_body, ident=None):
        if ident is None:
            self.ident = (self.ident + 1) & 0xFF
            ident = self.ident
        packet = lcp(code, ident, payload_body)
        self.write(hdlc_encode(PPP_LCP, packet))
        self.log("tx", side=self.side, **describe(PPP_LCP, packet))
        return ident

    def configure(self):
        self.send(LCP_CONF_REQ, b"".join(self.wanted.values()))

    def echo(self):
        self.echo_sent += 1
        self.send(LCP_ECHO_REQ, b"\0\0\0\0" + ("%s-%d" % (self.side, self.echo_sent)).encode())

    def handle(self, protocol, payload, compressed):
        """Returns "terminated" when the other end asked to terminate."""
        self.log("rx", side=self.side, **describe(protocol, payload, compressed))
        if protocol != PPP_LCP or len(payload) < 4:
            return None
        code, ident = payload[0], payload[1]
        if code == LCP_CONF_REQ:
            self.log("peer-options", side=self.side, types=[kind for kind, _ in options(payload)])
            self.send(LCP_CONF_ACK, payload[4:], ident)
        elif code == LCP_CONF_REJ:
            rejected = [kind for kind, _ in options(payload)]
            self.log("rejected", side=self.side, types=rejected)
            for kind in rejected:
                self.wanted.pop(kind, None)
            self.configure()
        elif code == LCP_CONF_ACK:
            self.opened = True
            self.log("acked", side=self.side, types=[kind for kind, _ in options(payload)])
        elif code == LCP_ECHO_REQ:
            self.send(LCP_ECHO_REPLY, b"\0\0\0\0" + payload[8:], ident)
        elif code == LCP_TERM_REQ:
            self.send(LCP_TERM_ACK, b"", ident)
            return "terminated"
        return None


# ---------------------------------------------------------------- the modem

def emulator(args):
    log = EventLog(args.log)
    master, slave = pty.openpty()
    name = os.ttyname(slave)
    tty.setraw(slave)
    # The serial side stays closed here: only the relay holds it, so its close is our "DTR drop".
    os.close(slave)
    if os.path.lexists(args.link):
        os.unlink(args.link)
    os.symlink(name, args.link)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    state = "command"
    line = bytearray()
    connect_at = None
    connected_at = None
    opened_once = False
    decoder = HdlcDecoder()
    peer = None
    next_echo = None
    hung_up = False
    rate = args.rate
    budget_time = time.time()
    out_queue = bytearray()
    bench = {"frames": 0, "bytes": 0}

    def write(data):
        if rate:
            out_queue.extend(data)
        else:
            try:
                os.write(master, data)
            except OSError:
                pass

    def say(text):
        write(text.encode())

    log("ready", tty=name, link=args.link)
    last_bench_log = time.time()
    read_credit_time = time.time()
    while not stopping:
        now = time.time()
        if rate and out_queue:
            allowed = int((now - budget_time) * rate)
            if allowed > 0:
                chunk = bytes(out_queue[:allowed])
                try:
                    n = os.write(master, chunk)
                except OSError:
                    n = len(chunk)
                del out_queue[:n]
                budget_time = now if not out_queue else budget_time + n / rate
        if not out_queue:
            budget_time = now
        if state == "dialling" and now >= connect_at and args.dial_result != "CONNECT":
            say("\r\n%s\r\n" % args.dial_result)
            log("dial-failed", said=args.dial_result)
            state = "command"
        if state == "dialling" and now >= connect_at and args.exec_after_connect:
            # A real PPP peer behind the modem: it gets the line as its stdin and stdout.
            say("\r\nCONNECT %d\r\n" % args.connect_speed)
            log("connect", exec=args.exec_after_connect)
            os.dup2(master, 0)
            os.dup2(master, 1)
            words = shlex.split(args.exec_after_connect)
            os.execvp(words[0], words)
        if state == "dialling" and now >= connect_at:
            say("\r\nCONNECT %d\r\n" % args.connect_speed)
            state = "ppp"
            connected_at = now
            decoder = HdlcDecoder()
            peer = LCPPeer(log, write, [(2, bytes([2, 6, 0, 0, 0, 0])), (5, bytes([5, 6, 0x12, 0x34, 0x56, 0x78])),
                                        (7, bytes([7, 2])), (8, bytes([8, 2]))], "modem")
            log("connect")
            peer.configure()
            next_echo = now + args.echo_interval if args.echo_interval > 0 else None
        if state == "ppp" and next_echo is not None and now >= next_echo and peer.opened:
            peer.echo()
            next_echo = now + args.echo_interval
        if state == "ppp" and args.hangup_after and now - connected_at >= args.hangup_after:
            if args.hangup_by == "lcp":
                peer.send(LCP_TERM_REQ, b"")
                log("hangup-sent", by="lcp")
                state = "terminating"
            else:
                log("hangup-sent", by="eof")
                os.close(master)
                master = None
                break
        timeout = 0.02 if out_queue else 0.05
        try:
            readable, _, _ = select.select([master], [], [], timeout)
        except InterruptedError:
            continue
        if not readable:
            continue
        try:
            want = 65536
            if rate and args.bench:
                # The line takes bytes at its rate: what it could have carried since the last read
                # (at most a tenth of a second's worth: a line does not save up).
                now = time.time()
                read_credit_time = max(read_credit_time, now - 0.1)
                want = int((now - read_credit_time) * rate)
                if want < 1:
                    time.sleep(0.005)
                    continue
                want = min(want, 65536)
            data = os.read(master, want)
            if rate and args.bench:
                read_credit_time += len(data) / rate
        except OSError as error:
            if error.errno != errno.EIO:
                raise
            data = b""
        if not data:
            # No serial side open: the relay closed the line (DTR dropped) or has not opened it yet.
            if opened_once and not hung_up:
                hung_up = True
                log("hangup", by="relay", state=state)
                state = "command"
                line.clear()
                out_queue.clear()
            time.sleep(0.02)
            continue
        if not opened_once or hung_up:
            opened_once = True
            hung_up = False
            log("opened")
        if state in ("command", "dialling"):
            for byte in data:
                if byte in (0x0D, 0x0A):
                    if line:
                        command = line.decode(errors="replace").strip()
                        line.clear()
                        log("at", command=command)
                        upper = command.upper()
                        if upper.startswith("ATD"):
                            state = "dialling"
                            connect_at = time.time() + args.connect_delay
                        elif upper.startswith("AT"):
                            say("\r\nOK\r\n")
                        else:
                            say("\r\nERROR\r\n")
                else:
                    line.append(byte)
            continue
        for protocol, payload, compressed in decoder.feed(data):
            if args.bench and protocol == PPP_IPV4:
                bench["frames"] += 1
                bench["bytes"] += len(payload)
                write(hdlc_encode(protocol, payload))
                continue
            if peer.handle(protocol, payload, compressed) == "terminated":
                log("terminated", by="relay")
                state = "command"
            elif state == "terminating" and protocol == PPP_LCP and payload[:1] == bytes([LCP_TERM_ACK]):
                log("terminate-acked")
                state = "command"
        if args.bench and time.time() - last_bench_log >= 0.5:
            last_bench_log = time.time()
            log("bench", **bench)
    if args.bench:
        log("bench", **bench)
    if master is not None:
        os.close(master)
    if os.path.islink(args.link):
        os.unlink(args.link)
    log("exit")
    return 0


# ---------------------------------------------------------------- the client

def client(args):
    log = EventLog(args.log)
    command = ["pppoe", "-I", args.iface, "-S", args.service] + (["-t", str(args.discovery_timeout)]
                                                                  if args.discovery_timeout else [])
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log("start", pid=os.getpid(), command=command)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    def write(data):
        try:
            child.stdin.write(data)
            child.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    peer = LCPPeer(log, write, [(1, bytes([1, 4, 0x05, 0xD4])), (5, bytes([5, 6, 0xCA, 0xFE, 0xBA, 0xBE])),
                                (2, bytes([2, 6, 0, 0, 0, 0]))], "client")
    decoder = HdlcDecoder()
    out = child.stdout.fileno()
    talking = False
    next_echo = None
    echoes = 0
    while True:
        if stopping:
            child.send_signal(signal.SIGTERM)
            stopping.clear()
            log("stop-requested")
        now = time.time()
        if talking and next_echo is not None and now >= next_echo and echoes < args.echo:
            peer.echo()
            echoes += 1
            next_echo = now + args.interval
        try:
            readable, _, _ = select.select([out], [], [], 0.05)
        except InterruptedError:
            continue
        if readable:
            data = os.read(out, 65536)
            if not data:
                break
            for protocol, payload, compressed in decoder.feed(data):
                if not talking:
                    # The first frame from the modem: the session is up; our side of LCP begins.
                    talking = True
                    log("session-up")
                    peer.configure()
                    next_echo = time.time() + args.interval
                peer.handle(protocol, payload, compressed)
        elif child.poll() is not None:
            break
    rc = child.wait()
    stderr = child.stderr.read().decode(errors="replace")
    log("exit", rc=rc, stderr=stderr[-2000:])
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("emulator")
    e.add_argument("--link", required=True)
    e.add_argument("--log", required=True)
    e.add_argument("--connect-delay", type=float, default=0.2)
    e.add_argument("--connect-speed", type=int, default=115200)
    e.add_argument("--dial-result", default="CONNECT", help="what ATD answers (NO CARRIER, BUSY ...)")
    e.add_argument("--echo-interval", type=float, default=0.5)
    e.add_argument("--hangup-after", type=float, default=0)
    e.add_argument("--hangup-by", choices=["eof", "lcp"], default="eof")
    e.add_argument("--rate", type=float, default=0, help="line rate in bytes/s (0: as fast as the pty goes)")
    e.add_argument("--bench", action="store_true")
    e.add_argument("--exec-after-connect", help="after CONNECT, run this with the line as stdin/stdout (pppd notty ...)")
    c = sub.add_parser("client")
    c.add_argument("--iface", required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--service", required=True)
    c.add_argument("--echo", type=int, default=3)
    c.add_argument("--interval", type=float, default=0.3)
    c.add_argument("--discovery-timeout", type=int, default=0)
    args = parser.parse_args()
    return {"emulator": emulator, "client": client}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
