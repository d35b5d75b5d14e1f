#!/usr/bin/python3
"""Lab peers for pppoe-relay's tests and demo: everything around rp-pppoe that the lab needs.

The kernel here has no PPP, so pppd cannot run. rp-pppoe's programs still do all of the PPPoE:
`pppoe-server -q WRAPPER` runs WRAPPER where it would run pppd, handing it `pty 'pppoe -n -e ...'`;
the `pppoe` client speaks async-HDLC PPP on stdin/stdout. These subcommands sit on those pipes
and push real LCP frames through:

  pppd-standin  ARGS...   the pppd stand-in for pppoe-server (answers LCP, logs every frame)
  client                  runs rp-pppoe's `pppoe` client, sends LCP Echo-Requests, logs replies
  test-ac                 a minimal access concentrator of our own (can strip Relay-Session-Id)
  mass-clients            discovery for many clients (made-up MACs), then LCP echoes on a sample
  tcp-frames              writes the TCP segments of the MSS tests (SYNs of every layout, a non-SYN;
                          one-byte PPP protocol fields, IPv6 extension headers)
  check-tcp               reads one segment with scapy (an implementation not ours): MSS, checksum
  sniff                   logs frames of one ethertype seen on an interface
  send                    sends one raw Ethernet frame

Every event is one JSON object per line in a log file, which the tests read.
Uses only the Python standard library (run it with /usr/bin/python3).
"""

import argparse
import json
import os
import select
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time

ETH_P_PPPOE_DISC = 0x8863
ETH_P_PPPOE_SESS = 0x8864
PPP_LCP = 0xC021

LCP_CONF_REQ, LCP_CONF_ACK, LCP_CONF_NAK, LCP_CONF_REJ = 1, 2, 3, 4
LCP_TERM_REQ, LCP_TERM_ACK = 5, 6
LCP_ECHO_REQ, LCP_ECHO_REPLY = 9, 10

PADI, PADO, PADR, PADS, PADT = 0x09, 0x07, 0x19, 0x65, 0xA7
TAG_SERVICE_NAME, TAG_AC_NAME, TAG_HOST_UNIQ, TAG_AC_COOKIE = 0x0101, 0x0102, 0x0103, 0x0104
TAG_RELAY_SESSION_ID, TAG_GENERIC_ERROR = 0x0110, 0x0203


# ---------------------------------------------------------------- logging

class EventLog:
    def __init__(self, path):
        self.path = path

    def __call__(self, event, **fields):
        fields["event"] = event
        fields["time"] = round(time.time(), 3)
        with open(self.path, "a") as f:
            f.write(json.dumps(fields) + "\n")


# ---------------------------------------------------------------- async HDLC (RFC 1662)

def _fcs_table():
    table = []
    for b in range(256):
        v = b
        for _ in range(8):
            v = (v >> 1) ^ 0x8408 if v & 1 else v >> 1
        table.append(v)
    return table


FCS_TABLE = _fcs_table()


def fcs16(data, fcs=0xFFFF):
    for b in data:
        fcs = (fcs >> 8) ^ FCS_TABLE[(fcs ^ b) & 0xFF]
    return fcs


def hdlc_encode(protocol, payload, compressed=False):
    """`compressed`: a one-byte protocol field (PPP Protocol-Field-Compression, RFC 1661)."""
    field = bytes([protocol & 0xFF]) if compressed else struct.pack("!H", protocol)
    body = bytes([0xFF, 0x03]) + field + payload
    fcs = fcs16(body) ^ 0xFFFF
    body += struct.pack("<H", fcs)
    out = bytearray([0x7E])
    for b in body:
        if b in (0x7E, 0x7D) or b < 0x20:
            out += bytes([0x7D, b ^ 0x20])
        else:
            out.append(b)
    out.append(0x7E)
    return bytes(out)


class HdlcDecoder:
    """Feeds bytes, yields (protocol, payload, compressed) for every frame whose FCS checks out."""

    def __init__(self):
        self.buffer = bytearray()
        self.bad = 0

    def feed(self, data):
        frames = []
        self.buffer += data
        while True:
            end = self.buffer.find(0x7E)
            if end < 0:
                break
            raw = bytes(self.buffer[:end])
            del self.buffer[:end + 1]
            if not raw:
                continue
            frame = bytearray()
            escaped = False
            for b in raw:
                if escaped:
                    frame.append(b ^ 0x20)
                    escaped = False
                elif b == 0x7D:
                    escaped = True
                else:
                    frame.append(b)
            if len(frame) < 4 or fcs16(frame) != 0xF0B8:
                self.bad += 1
                continue
            frame = bytes(frame[:-2])
            if frame[:2] == b"\xff\x03":
                frame = frame[2:]
            if frame[0] & 1:
                frames.append((frame[0], frame[1:], True))
            else:
                frames.append((struct.unpack("!H", frame[:2])[0], frame[2:], False))
        return frames


def lcp(code, ident, data=b""):
    return struct.pack("!BBH", code, ident, 4 + len(data)) + data


def describe(protocol, payload, compressed=False):
    info = {"protocol": "0x%04x" % protocol, "hex": payload.hex()}
    if compressed:
        info["pfc"] = True
    if protocol == PPP_LCP and len(payload) >= 4:
        info["code"], info["id"] = payload[0], payload[1]
    return info


# ---------------------------------------------------------------- TCP segments

PPP_IPV4, PPP_IPV6 = 0x0021, 0x0057


def _sum16(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def build_tcp(version, sport, dport, flags, options=b"", payload=b"", src=None, dst=None, extensions=()):
    """An IPv4 or IPv6 packet holding one TCP segment, checksums filled in; in IPv6, behind
    `extensions`: (next-header number, header bytes) in order, whose next-header fields this fills."""
    options += b"\0" * ((4 - len(options) % 4) % 4)
    header = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0 if flags & 0x10 == 0 else 2000,
                         (5 + len(options) // 4) << 4, flags, 65535, 0, 0) + options
    segment = header + payload
    if version == 4:
        src, dst = src or bytes([10, 0, 0, 1]), dst or bytes([10, 0, 0, 2])
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(segment))
    else:
        src, dst = src or bytes(15) + b"\1", dst or bytes(15) + b"\2"
        pseudo = src + dst + struct.pack("!IxxxB", len(segment), 6)
    segment = segment[:16] + struct.pack("!H", _sum16(pseudo + segment)) + segment[18:]
    if version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 1, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", _sum16(ip)) + ip[12:]
        return PPP_IPV4, ip + segment
    chain = b""
    for index, (_, header) in enumerate(extensions):
        following = extensions[index + 1][0] if index + 1 < len(extensions) else 6
        chain += bytes([following]) + header[1:]
    first = extensions[0][0] if extensions else 6
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(chain) + len(segment), first, 64, src, dst)
    return PPP_IPV6, ip + chain + segment


HOP_BY_HOP, ROUTING, FRAGMENT, DESTINATION_OPTIONS = 0, 43, 44, 60
PAD_OPTIONS = bytes([0, 0, 1, 4, 0, 0, 0, 0])          # hop-by-hop or destination options: PadN
ATOMIC_FRAGMENT = bytes([0, 0, 0, 0, 0, 0, 0x12, 0x34])  # offset 0, no more fragments


def mss_option(value):
    return struct.pack("!BBH", 2, 4, value)


def tcp_segment(protocol, packet):
    """(version, tcp bytes, source, destination, extension headers) of a packet, or None if it
    holds no TCP (in IPv6, behind hop-by-hop, destination options or atomic fragment headers)."""
    if protocol == PPP_IPV4 and len(packet) >= 20 and packet[0] >> 4 == 4 and packet[9] == 6:
        ihl = (packet[0] & 15) * 4
        return 4, packet[ihl:], packet[12:16], packet[16:20], ()
    if protocol == PPP_IPV6 and len(packet) >= 40:
        following, offset, extensions = packet[6], 40, []
        while following in (HOP_BY_HOP, DESTINATION_OPTIONS, FRAGMENT) and offset + 8 <= len(packet):
            size = 8 if following == FRAGMENT else (packet[offset + 1] + 1) * 8
            extensions.append((following, packet[offset:offset + size]))
            following, offset = packet[offset], offset + size
        if following == 6:
            return 6, packet[offset:], packet[8:24], packet[24:40], tuple(extensions)
    return None


def syn_ack_for(protocol, packet, compressed=False):
    """The SYN-ACK a server would send back to a SYN, announcing the full-size MSS, in the
    SYN's own shape: the same protocol field size and IPv6 extension headers.
    (protocol, packet, compressed), or None."""
    parsed = tcp_segment(protocol, packet)
    if not parsed or len(parsed[1]) < 20:
        return None
    version, tcp, src, dst, extensions = parsed
    if tcp[13] & 0x12 != 0x02:
        return None
    sport, dport = struct.unpack("!HH", tcp[:4])
    answer = build_tcp(version, dport, sport, 0x12, mss_option(1460 if version == 4 else 1440), src=dst, dst=src,
                       extensions=extensions)
    return answer + (compressed,)


def tcp_frames(args):
    """The segments of the MSS tests, one 'protocol hex' per line, told apart by source port."""
    frames = {
        "initial": [
            build_tcp(4, 1001, 80, 0x02, mss_option(1460) + b"\x01\x03\x03\x07"),   # MSS first
            build_tcp(4, 1002, 80, 0x02, b"\x01\x01\x04\x02" + mss_option(1460)),  # after NOP NOP SACK-permitted
            build_tcp(4, 1003, 80, 0x02, mss_option(1400)),                           # already small
            build_tcp(6, 1004, 80, 0x02, mss_option(1440)),                           # IPv6
            build_tcp(4, 1005, 80, 0x18, mss_option(1460), payload=b"not a SYN"),     # non-SYN
        ],
        "runtime": [build_tcp(4, 1006, 80, 0x02, mss_option(1460))],
        # Shapes a relay could miss: one-byte protocol fields ("pfc"), IPv6 extension headers.
        "hostile": [
            build_tcp(4, 2001, 80, 0x02, b"\x01\x01\x04\x02" + mss_option(1460)) + ("pfc",),
            build_tcp(6, 2002, 80, 0x02, mss_option(1440)) + ("pfc",),
            build_tcp(6, 2003, 80, 0x02, mss_option(1440),
                      extensions=((HOP_BY_HOP, PAD_OPTIONS), (DESTINATION_OPTIONS, PAD_OPTIONS))),
            build_tcp(6, 2004, 80, 0x02, mss_option(1440), extensions=((FRAGMENT, ATOMIC_FRAGMENT),)),
            build_tcp(6, 2005, 80, 0x02, mss_option(1440), extensions=((DESTINATION_OPTIONS, PAD_OPTIONS),)) + ("pfc",),
            build_tcp(4, 2006, 80, 0x18, mss_option(1460), payload=b"not a SYN") + ("pfc",),
        ],
    }[args.set]
    with open(args.out, "w") as f:
        for protocol, packet, *flags in frames:
            f.write(" ".join(["0x%04x" % protocol, packet.hex()] + flags) + "\n")
    return 0


def check_tcp(args):
    """Reads a segment with scapy and checks its TCP checksum by recomputing it there."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.inet6 import IPv6
    packet = (IP if int(args.protocol, 0) == PPP_IPV4 else IPv6)(bytes.fromhex(args.hex))
    tcp = packet[TCP]
    stated = tcp.chksum
    del tcp.chksum
    recomputed = (IP if int(args.protocol, 0) == PPP_IPV4 else IPv6)(bytes(packet))[TCP].chksum
    mss = next((value for name, value in tcp.options if name == "MSS"), None)
    print(json.dumps({"sport": tcp.sport, "dport": tcp.dport, "flags": str(tcp.flags), "mss": mss,
                      "checksum_ok": stated == recomputed}))
    return 0


# ---------------------------------------------------------------- pppd stand-in

def pppd_standin(argv, log_dir):
    """Runs as pppd for pppoe-server: spawns the `pty` command and answers LCP on it.

    It acknowledges the peer's Configure-Request. When the lab directory holds `lcp-request`
    (the hex of LCP options), it also sends a Configure-Request of its own with those options,
    and sends it again, unchanged, whenever the peer Naks or Rejects it: an AC that insists."""
    if "pty" not in argv:
        print("pppd-standin: no pty argument", file=sys.stderr)
        return 2
    command = argv[argv.index("pty") + 1]
    words = shlex.split(command)
    session = words[words.index("-e") + 1] if "-e" in words else "unknown"
    session_id = session.split(":")[0]
    log = EventLog(os.path.join(log_dir, "server.log"))
    with open(os.path.join(log_dir, "standin-%s.pid" % session_id), "w") as f:
        f.write(str(os.getpid()))
    child = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    log("start", session=session, pid=os.getpid())
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    decoder = HdlcDecoder()
    out = child.stdout.fileno()
    try:
        with open(os.path.join(log_dir, "lcp-request")) as f:
            own_options = bytes.fromhex(f.read().strip())
    except FileNotFoundError:
        own_options = None
    own_ident = [0x40]
    while not stopping:
        try:
            readable, _, _ = select.select([out], [], [], 0.2)
        except InterruptedError:
            continue
        if not readable:
            continue
        data = os.read(out, 65536)
        if not data:
            break
        for protocol, payload, compressed in decoder.feed(data):
            log("rx", session=session, **describe(protocol, payload, compressed))
            replies = []
            if protocol == PPP_LCP and len(payload) >= 4:
                code, ident = payload[0], payload[1]
                if code == LCP_ECHO_REQ:
                    replies.append(lcp(LCP_ECHO_REPLY, ident, b"\0\0\0\0" + payload[8:]))
                elif code == LCP_CONF_REQ:
                    replies.append(lcp(LCP_CONF_ACK, ident, payload[4:]))
                    if own_options is not None:
                        own_ident[0] = (own_ident[0] + 1) % 256
                        replies.append(lcp(LCP_CONF_REQ, own_ident[0], own_options))
                elif code in (LCP_CONF_NAK, LCP_CONF_REJ) and own_options is not None:
                    own_ident[0] = (own_ident[0] + 1) % 256
                    replies.append(lcp(LCP_CONF_REQ, own_ident[0], own_options))
                elif code == LCP_TERM_REQ:
                    replies.append(lcp(LCP_TERM_ACK, ident))
            for reply in replies:
                child.stdin.write(hdlc_encode(PPP_LCP, reply))
                child.stdin.flush()
                log("tx", session=session, **describe(PPP_LCP, reply))
            answer = syn_ack_for(protocol, payload, compressed)
            if answer is not None:
                child.stdin.write(hdlc_encode(*answer))
                child.stdin.flush()
                log("tx", session=session, **describe(*answer))
    # Hanging up: the session process sees its stdin close and ends the session with PADT.
    try:
        child.stdin.close()
    except OSError:
        pass
    try:
        rc = child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        rc = child.wait()
    log("exit", session=session, rc=rc, hangup=bool(stopping))
    return 0


# ---------------------------------------------------------------- client driver

def run_client(args):
    """Runs rp-pppoe's client on an interface and pushes LCP Echo-Requests through it."""
    log = EventLog(args.log)
    command = ["pppoe", "-I", args.iface] + shlex.split(args.pppoe_args or "")
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log("start", pid=os.getpid(), command=command)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    decoder = HdlcDecoder()
    sent = 0
    # rp-pppoe's server starts its session process only after PADS: give it a moment.
    next_send = time.time() + args.delay
    # On a slow machine (the VM lab's emulated guest) that moment can be seconds: with
    # PPPOE_LAB_AWAIT_PEER set, Echo-Requests logged as "probe" go out until the AC's session
    # answers one, and only then the counted ones.
    probing = bool(os.environ.get("PPPOE_LAB_AWAIT_PEER"))
    extra = []
    if args.frames:
        with open(args.frames) as f:
            extra = [(int(words[0], 0), bytes.fromhex(words[1]), "pfc" in words[2:])
                     for words in (line.split() for line in f if line.strip())]
    out = child.stdout.fileno()
    while True:
        if stopping:
            # rp-pppoe's client sends PADT when it is told to stop.
            child.send_signal(signal.SIGTERM)
            stopping.clear()
            log("stop-requested")
        now = time.time()
        if extra and not probing and now >= next_send:
            for protocol, packet, compressed in extra:
                child.stdin.write(hdlc_encode(protocol, packet, compressed))
                log("tx", **describe(protocol, packet, compressed))
            child.stdin.flush()
            extra = []
        if probing and now >= next_send:
            frame = lcp(LCP_ECHO_REQ, 0, b"\0\0\0\0lab-probe")
            try:
                child.stdin.write(hdlc_encode(PPP_LCP, frame))
                child.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass
            log("probe")
            next_send = now + max(args.interval, 0.2)
        elif sent < args.echo and now >= next_send:
            data = b"\0\0\0\0" + ("lab-%d" % sent).encode()
            frame = lcp(LCP_ECHO_REQ, (sent + 1) & 0xFF, data)
            try:
                child.stdin.write(hdlc_encode(PPP_LCP, frame))
                child.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass
            log("tx", **describe(PPP_LCP, frame))
            sent += 1
            next_send = now + args.interval
        try:
            readable, _, _ = select.select([out], [], [], 0.05)
        except InterruptedError:
            continue
        if readable:
            data = os.read(out, 65536)
            if not data:
                break
            for protocol, payload, compressed in decoder.feed(data):
                if protocol == PPP_LCP and payload[:2] == bytes([LCP_ECHO_REPLY, 0]) and payload.endswith(b"lab-probe"):
                    if probing:
                        probing = False
                        next_send = time.time()
                    log("probe-answered")
                    continue
                log("rx", **describe(protocol, payload, compressed))
        elif child.poll() is not None:
            break
    rc = child.wait()
    stderr = child.stderr.read().decode(errors="replace")
    log("exit", rc=rc, stderr=stderr[-2000:])
    return 0


# ---------------------------------------------------------------- raw frames

def open_raw(iface, ethertype):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
    s.bind((iface, ethertype))
    return s


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(":"))


def iface_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return mac_bytes(f.read().strip())


def parse_tags(payload):
    tags, offset = [], 0
    while offset + 4 <= len(payload):
        kind, length = struct.unpack("!HH", payload[offset:offset + 4])
        tags.append((kind, payload[offset + 4:offset + 4 + length]))
        offset += 4 + length
    return tags


def build_discovery(dst, src, code, session_id, tags):
    payload = b"".join(struct.pack("!HH", kind, len(value)) + value for kind, value in tags)
    return dst + src + struct.pack("!HBBHH", ETH_P_PPPOE_DISC, 0x11, code, session_id, len(payload)) + payload


def sniff(args):
    log = EventLog(args.log)
    s = open_raw(args.iface, int(args.ethertype, 0))
    s.settimeout(0.2)
    deadline = time.time() + args.seconds
    log("ready")
    while time.time() < deadline:
        try:
            frame, address = s.recvfrom(65535)
        except socket.timeout:
            continue
        entry = {"hex": frame.hex(), "pkttype": address[2]}
        if len(frame) >= 20:
            entry.update(dst=frame[0:6].hex(":"), src=frame[6:12].hex(":"), code=frame[15],
                         session=struct.unpack("!H", frame[16:18])[0])
            if int(args.ethertype, 0) == ETH_P_PPPOE_DISC:
                length = struct.unpack("!H", frame[18:20])[0]
                entry["tags"] = {"0x%04x" % k: v.hex() for k, v in parse_tags(frame[20:20 + length])}
        log("frame", **entry)
    return 0


def send(args):
    frame = bytes.fromhex(args.hex)
    s = open_raw(args.iface, struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else ETH_P_PPPOE_DISC)
    for _ in range(args.count):
        s.send(frame)
    return 0


def test_ac(args):
    """A small access concentrator: PADO/PADS without Relay-Session-Id, answers LCP echo."""
    log = EventLog(args.log)
    quiet = args.quiet

    def trace(event, **fields):
        if not quiet:
            log(event, **fields)

    mac = iface_mac(args.iface)
    ac_name = bytes.fromhex(args.ac_name_hex) if args.ac_name_hex else b"lab-ac"
    disc = open_raw(args.iface, ETH_P_PPPOE_DISC)
    sess = open_raw(args.iface, ETH_P_PPPOE_SESS)
    sessions = {}
    next_id = 0x100
    log("ready", mac=mac.hex(":"))
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        readable, _, _ = select.select([disc, sess], [], [], 0.2)
        for s in readable:
            frame = s.recv(65535)
            if len(frame) < 20 or frame[0:6] not in (mac, b"\xff" * 6):
                continue
            src, code, session_id = frame[6:12], frame[15], struct.unpack("!H", frame[16:18])[0]
            length = struct.unpack("!H", frame[18:20])[0]
            if s is disc:
                tags = parse_tags(frame[20:20 + length])
                kinds = [k for k, _ in tags]
                trace("rx", code=code, src=src.hex(":"), tags=["0x%04x" % k for k in kinds])
                keep = [(k, v) for k, v in tags if k == TAG_HOST_UNIQ
                        or (k == TAG_RELAY_SESSION_ID and not args.strip_relay_tag)]
                if code == PADI:
                    reply = build_discovery(src, mac, PADO, 0, [(TAG_AC_NAME, ac_name), (TAG_SERVICE_NAME, b"")] + keep)
                elif code == PADR:
                    next_id += 1
                    sessions[(src, next_id)] = True
                    reply = build_discovery(src, mac, PADS, next_id, [(TAG_SERVICE_NAME, b"")] + keep)
                elif code == PADT:
                    sessions.pop((src, session_id), None)
                    log("padt", src=src.hex(":"), session=session_id)
                    continue
                else:
                    continue
                disc.send(reply)
                trace("tx", code=reply[15], relay_tag=TAG_RELAY_SESSION_ID in [k for k, _ in keep])
            else:
                payload = frame[20:20 + length]
                trace("session-rx", src=src.hex(":"), session=session_id, hex=payload.hex())
                if (src, session_id) in sessions and payload[:2] == b"\xc0\x21" and payload[2] == LCP_ECHO_REQ:
                    reply_lcp = lcp(LCP_ECHO_REPLY, payload[3], b"\0\0\0\0" + payload[10:])
                    body = struct.pack("!H", PPP_LCP) + reply_lcp
                    reply = src + mac + struct.pack("!HBBHH", ETH_P_PPPOE_SESS, 0x11, 0, session_id, len(body)) + body
                    sess.send(reply)
                    trace("session-tx", session=session_id)
    return 0


def mass_clients(args):
    """Sets up `count` sessions from made-up client MACs, then checks a sample end to end:
    each sampled client sends an LCP Echo-Request carrying its own MAC and must get it back
    on its own session id, which only a correct per-session rewrite both ways delivers."""
    import random
    log = EventLog(args.log)
    disc = open_raw(args.iface, ETH_P_PPPOE_DISC)
    sess = open_raw(args.iface, ETH_P_PPPOE_SESS)
    # Room for every client's PADO at once: a relay answers a burst of PADIs within tens of
    # milliseconds, faster than this one Python loop reads, and frames the socket had no room
    # for would count against the relay as retries (SO_RCVBUFFORCE: the lab runs as root).
    for s in (disc, sess):
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
    disc.setblocking(False)
    sess.setblocking(False)
    macs = [bytes([0x02, 0x50, 0x00, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])
            for i in range(args.offset, args.offset + args.count)]
    known = set(macs)
    requests = {mac: build_discovery(b"\xff" * 6, mac, PADI, 0, [(TAG_SERVICE_NAME, b""), (TAG_HOST_UNIQ, mac)])
                for mac in macs}
    up = {}
    started = time.time()
    deadline = started + args.seconds
    last_sent = {}
    while len(up) < len(macs) and time.time() < deadline:
        now = time.time()
        # Each unfinished client (re)sends its PADI or PADR 2 s after its last one, as a client would.
        due = [mac for mac in macs if mac not in up and now - last_sent.get(mac, 0) > 2.0]
        for n, mac in enumerate(due):
            disc.send(requests[mac])
            last_sent[mac] = now
            if n % 64 == 63:
                time.sleep(0.002)
        readable, _, _ = select.select([disc], [], [], 0.05)
        while readable:
            try:
                frame = disc.recv(2048)
            except BlockingIOError:
                break
            dst = frame[0:6]
            if dst not in known or len(frame) < 20:
                continue
            code, session_id = frame[15], struct.unpack("!H", frame[16:18])[0]
            length = struct.unpack("!H", frame[18:20])[0]
            tags = parse_tags(frame[20:20 + length])
            if code == PADO and dst not in up:
                echo = [(k, v) for k, v in tags if k in (TAG_HOST_UNIQ, TAG_AC_COOKIE, TAG_RELAY_SESSION_ID)]
                requests[dst] = build_discovery(frame[6:12], dst, PADR, 0, [(TAG_SERVICE_NAME, b"")] + echo)
                disc.send(requests[dst])
                last_sent[dst] = time.time()
            elif code == PADS and session_id:
                up[dst] = (session_id, frame[6:12])
    setup_seconds = time.time() - started
    sample = random.Random(7).sample(sorted(up), min(args.sample, len(up)))
    waiting = {}
    for ident, mac in enumerate(sample):
        session_id, relay = up[mac]
        body = struct.pack("!H", PPP_LCP) + lcp(LCP_ECHO_REQ, ident & 0xFF, b"\0\0\0\0" + mac)
        sess.send(relay + mac + struct.pack("!HBBHH", ETH_P_PPPOE_SESS, 0x11, 0, session_id, len(body)) + body)
        waiting[mac] = session_id
    answered, wrong = 0, 0
    echo_deadline = time.time() + 10
    while waiting and time.time() < echo_deadline:
        readable, _, _ = select.select([sess], [], [], 0.1)
        while readable:
            try:
                frame = sess.recv(2048)
            except BlockingIOError:
                break
            dst, session_id = frame[0:6], struct.unpack("!H", frame[16:18])[0]
            if dst not in waiting:
                continue
            payload = frame[20:]
            if payload[:2] == b"\xc0\x21" and payload[2] == LCP_ECHO_REPLY:
                if session_id == waiting[dst] and payload[10:16] == dst:
                    answered += 1
                    del waiting[dst]
                else:
                    wrong += 1
    if args.sessions_out:
        with open(args.sessions_out, "w") as f:
            for mac, (session_id, relay) in sorted(up.items()):
                f.write("%s %s %d\n" % (relay.hex(":"), mac.hex(":"), session_id))
    log("summary", established=len(up), setup_seconds=round(setup_seconds, 3), sampled=len(sample),
        answered=answered, wrong=wrong)
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "pppd-standin":
        log_dir = os.environ.get("PPPOE_LAB_DIR", "/tmp")
        return pppd_standin(sys.argv[2:], log_dir)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("client")
    c.add_argument("--iface", required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--echo", type=int, default=3)
    c.add_argument("--interval", type=float, default=0.2)
    c.add_argument("--delay", type=float, default=1.0)
    c.add_argument("--frames", help="file of 'protocol hex [pfc]' PPP frames to send once, after --delay")
    f = sub.add_parser("tcp-frames")
    f.add_argument("--set", choices=["initial", "runtime", "hostile"], default="initial")
    f.add_argument("--out", required=True)
    k = sub.add_parser("check-tcp")
    k.add_argument("--protocol", required=True)
    k.add_argument("--hex", required=True)
    c.add_argument("--pppoe-args", default="")
    s = sub.add_parser("sniff")
    s.add_argument("--iface", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--ethertype", default="0x8863")
    s.add_argument("--seconds", type=float, default=10)
    t = sub.add_parser("send")
    t.add_argument("--iface", required=True)
    t.add_argument("--hex", required=True)
    t.add_argument("--count", type=int, default=1)
    m = sub.add_parser("mass-clients")
    m.add_argument("--iface", required=True)
    m.add_argument("--log", required=True)
    m.add_argument("--count", type=int, default=1000)
    m.add_argument("--sample", type=int, default=200)
    m.add_argument("--offset", type=int, default=0, help="first client number (MACs 02:50:00:...)")
    m.add_argument("--seconds", type=float, default=60)
    m.add_argument("--sessions-out", help="write 'relay-mac client-mac session-id' per established session")
    a = sub.add_parser("test-ac")
    a.add_argument("--iface", required=True)
    a.add_argument("--log", required=True)
    a.add_argument("--strip-relay-tag", action="store_true")
    a.add_argument("--ac-name-hex", help="the AC-Name's bytes, in hex (any bytes: a forged name)")
    a.add_argument("--seconds", type=float, default=60)
    a.add_argument("--quiet", action="store_true", help="log only readiness and PADT, not every frame")
    args = parser.parse_args()
    commands = {"client": run_client, "sniff": sniff, "send": send, "test-ac": test_ac, "mass-clients": mass_clients,
                "tcp-frames": tcp_frames, "check-tcp": check_tcp}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
