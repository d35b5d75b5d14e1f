#!/usr/bin/python3
"""Real PPP across pppoe-relay: run inside the lab's virtual machine (lab/vm/vm.py), whose kernel
has PPP, PPPoE and all of nftables.

Five network namespaces, joined by veth pairs (MTU 1500 everywhere):

  host [eth0] -- [cpe-lan] cpe [cpe-wan] -- [lan0] relay [wan0] -- [ac-access] ac [ac-core] -- [eth0] server

- cpe: the subscriber's router: pppd with its rp-pppoe plugin (kernel-mode PPPoE), CHAP, IPCP
  and IPv6CP; it routes for the host behind it and clamps nothing, as a second router would.
- relay: relayctl (or rp-pppoe's pppoe-relay, for the benchmark).
- ac: rp-pppoe's pppoe-server running Debian's pppd, which checks CHAP against chap-secrets and
  hands out addresses; it routes to the server, and drops every ICMP "fragmentation needed" and
  ICMPv6 "packet too big" it would send, so only MSS clamping can make a 1500-byte path work.

What runs, in order, each step printed as it happens: `auto` without and with nft_fwd_netdev,
then for each dataplane a wrong password, a real login, pings, 24 MiB from the server to the
host (IPv4 and IPv6) with clamping and without, `relayctl sessions` against the PPP interfaces'
counters, and a stop that must end both pppd; then (with --bench) throughput from the server to
the cpe through each dataplane and through pppoe-relay. Every fact lands in OUT/results.json,
which the tests read; the exit status is 0 when every check held.

  realppp.py scenario --relayctl PATH --out DIR [--dataplane kernel|userspace|auto ...] [--bench]
  realppp.py serve / fetch            the two ends of a transfer (run inside namespaces)

Only the standard library; run with /usr/bin/python3 as root, in a guest of its own.
"""

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

from guestlab import Failure, Guest, packet_socket_bound, say

HERE = os.path.dirname(os.path.abspath(__file__))
PPPOE_LAB = os.path.join(os.path.dirname(HERE), "pppoe_lab.py")
PYTHON = "/usr/bin/python3"

NS = {name: "vmlab-" + name for name in ["host", "cpe", "relay", "ac", "server"]}
USER, SECRET, AC_CHAP_NAME = "subscriber", "correct-horse", "lab-ac"
AC_NAME, SERVICE = "LabAC", "isp"
PPP_LOCAL, PPP_POOL = "10.64.2.1", "10.64.2.2"        # the AC's end, the first address it hands out
HOST4, CPE_LAN4, HOST_NET4 = "10.64.1.2", "10.64.1.1", "10.64.1.0/24"
SERVER4, AC_CORE4 = "10.64.3.2", "10.64.3.1"
HOST6, CPE_LAN6, HOST_NET6 = "fd64:1::2", "fd64:1::1", "fd64:1::/64"
SERVER6, AC_CORE6 = "fd64:3::2", "fd64:3::1"
POOL = [f"10.64.2.{n}" for n in range(2, 10)]         # pppoe-server -R PPP_POOL -N 8
AC_ID6, CPE_ID6 = "::1", "::2"                          # IPv6CP interface identifiers
PAYLOAD_BYTES = 24 * 1024 * 1024                        # at least 20 MB, as the lab promises
PORT = 5001

# Deadlines, in seconds of this guest's clock (TCG runs several times slower than the host).
COMMAND_TIMEOUT = 30
RELAY_READY = 30
DIAL = 90                  # discovery, LCP, CHAP, IPCP
IPV6CP = 30
PPPD_EXIT = 30             # after a refusal or PADT
TRANSFER = 240             # the whole clamped transfer
STALL = 6                  # no byte for this long: the unclamped transfer has stalled
PATIENCE = 60              # a transfer that should complete is given up only after this long silent
CONTROL_FRAMES = 200       # PPP's own frames in a session of a few minutes: negotiation, echoes
BENCH_ROUNDS = 3           # transfers through each relay, the median reported
BENCH_REPEAT = 4           # each of them the payload this many times over (96 MiB)


def link_stats(guest, ns, device):
    info = guest.json(["ip", "-s", "-j", "link", "show", "dev", device], ns)[0]["stats64"]
    return {"rx_packets": info["rx"]["packets"], "rx_bytes": info["rx"]["bytes"],
            "tx_packets": info["tx"]["packets"], "tx_bytes": info["tx"]["bytes"]}


def addresses(guest, ns, device):
    """(family, address, peer, flags) of every address on `device`; [] if it does not exist."""
    done = guest.run(["ip", "-j", "addr", "show", "dev", device], ns, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        return []
    found = []
    for link in json.loads(done.stdout):
        for a in link.get("addr_info", []):
            flags = [k for k in ("tentative", "dadfailed") if a.get(k)]
            found.append((a["family"], a["local"], a.get("address"), flags))
    return found


def ppp_device(guest, ns):
    """The name of the one ppp device in `ns`, or None."""
    for link in guest.json(["ip", "-j", "link", "show"], ns):
        if link.get("link_type") == "ppp":
            return link["ifname"]
    return None


# ---------------------------------------------------------------- the network

def ip_batch(guest, commands, ns=None):
    """Runs `ip` commands from one process (ip -batch): a process start costs much under TCG."""
    path = guest.path("ip-batch")
    with open(path, "w") as f:
        f.write("\n".join(commands) + "\n")
    guest.run(["ip"] + (["-n", NS[ns]] if ns else []) + ["-batch", path])


def build_network(guest):
    guest.cleanup()
    links = [("host", "eth0", "cpe", "cpe-lan"), ("cpe", "cpe-wan", "relay", "lan0"),
             ("relay", "wan0", "ac", "ac-access"), ("ac", "ac-core", "server", "eth0")]
    ip_batch(guest, [f"netns add {ns}" for ns in NS.values()]
             + [f"link add {a} netns {NS[a_ns]} type veth peer name {b} netns {NS[b_ns]}"
                for a_ns, a, b_ns, b in links])
    inside = {ns: ["link set lo up"] for ns in NS}
    for a_ns, a, b_ns, b in links:
        inside[a_ns].append(f"link set {a} up")
        inside[b_ns].append(f"link set {b} up")
    for ns, device, v4, v6 in [("host", "eth0", HOST4, HOST6), ("cpe", "cpe-lan", CPE_LAN4, CPE_LAN6),
                               ("ac", "ac-core", AC_CORE4, AC_CORE6), ("server", "eth0", SERVER4, SERVER6)]:
        inside[ns] += [f"addr add {v4}/24 dev {device}", f"addr add {v6}/64 dev {device} nodad"]
    inside["host"] += [f"route add default via {CPE_LAN4}", f"route add default via {CPE_LAN6}"]
    inside["server"] += [f"route add default via {AC_CORE4}", f"route add default via {AC_CORE6}"]
    for ns, commands in inside.items():
        ip_batch(guest, commands, ns)
    for ns in ("cpe", "ac"):
        guest.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"], NS[ns])
    # The AC's path to the server is 1500 bytes, to the subscriber 1492: its big packets for the
    # host can only be refused, and the refusal never reaches the server.
    rules = """
table inet vmlab_pmtu_blackhole {
  chain output {
    type filter hook output priority 0;
    icmp type destination-unreachable icmp code frag-needed counter drop
    icmpv6 type packet-too-big counter drop
  }
  chain forward {
    type filter hook forward priority 0;
    icmp type destination-unreachable icmp code frag-needed counter drop
    icmpv6 type packet-too-big counter drop
  }
}
"""
    with open(guest.path("blackhole.nft"), "w") as f:
        f.write(rules)
    guest.run(["nft", "-f", guest.path("blackhole.nft")], NS["ac"])


def blackholed(guest):
    """ICMP errors the AC dropped (frag-needed and packet-too-big), from its nft counters."""
    listing = guest.json(["nft", "-j", "list", "table", "inet", "vmlab_pmtu_blackhole"], NS["ac"])
    total = 0
    for item in listing.get("nftables", []):
        for expression in item.get("rule", {}).get("expr", []):
            if "counter" in expression:
                total += expression["counter"]["packets"]
    return total


def configure_ppp(guest):
    """/etc/ppp of the guest: our options and CHAP secrets only (a tmpfs over the host's)."""
    if not os.path.ismount("/etc/ppp"):
        guest.run(["mount", "-t", "tmpfs", "-o", "mode=755", "vmlab-ppp", "/etc/ppp"])
    with open("/etc/ppp/options", "w") as f:
        f.write("# the VM lab's pppd options: everything is on each pppd's command line\n")
    with open("/etc/ppp/chap-secrets", "w") as f:
        f.write("# client  server  secret  addresses\n")
        f.write(f"{USER} {AC_CHAP_NAME} {SECRET} *\n")
    os.chmod("/etc/ppp/chap-secrets", 0o600)


# ---------------------------------------------------------------- the peers

def start_ac(guest, tag, mode):
    """pppoe-server on ac-access; each session's pppd (Debian's) demands CHAP and logs to a file.
    In kernel mode (the default) pppd attaches to the session with its rp-pppoe plugin (ac-pppd);
    in user mode it talks to the session through rp-pppoe's `pppoe` on a pty."""
    options = guest.path(f"{tag}-ac-options")
    with open(options, "w") as f:
        f.write("\n".join([
            "require-chap", f"name {AC_CHAP_NAME}", "+ipv6", f"ipv6 {AC_ID6},{CPE_ID6}",
            "mtu 1492", "mru 1492", "novj", "nodeflate", "nobsdcomp", "noccp", "nodefaultroute",
            "lcp-echo-interval 10", "lcp-echo-failure 3", f"logfile {guest.path(tag + '-ac-pppd.log')}", ""]))
    server = guest.spawn(f"{tag}-pppoe-server", ["pppoe-server", "-F", "-I", "ac-access", "-C", AC_NAME, "-S", SERVICE,
                                                  "-L", PPP_LOCAL, "-R", PPP_POOL, "-N", "8", "-O", options]
                         + (["-q", os.path.join(HERE, "ac-pppd")] if mode == "kernel" else []), NS["ac"])
    guest.wait_until("pppoe-server listens", 20,
                     lambda: server.poll() is not None or packet_socket_bound(guest, NS["ac"], 0x8863))
    if server.poll() is not None:
        raise Failure(f"pppoe-server exited: {guest.text(tag + '-pppoe-server.err')}")
    return server


def start_cpe(guest, tag, password, device="cpe-wan", unit=0, defaultroute=True):
    """pppd with the rp-pppoe plugin: the subscriber's login, in the foreground."""
    return guest.spawn(f"{tag}-cpe-pppd", [
        "pppd", "plugin", "rp-pppoe.so", "nic-" + device, "rp_pppoe_service", SERVICE,
        "user", USER, "password", password, "noauth", "nodetach", "maxfail", "1", "unit", str(unit),
        "noipdefault"] + (["defaultroute"] if defaultroute else []) + ["+ipv6", "ipv6", f"{CPE_ID6},{AC_ID6}",
        "mtu", "1492", "mru", "1492", "novj", "nodeflate", "nobsdcomp", "noccp",
        "lcp-echo-interval", "10", "lcp-echo-failure", "3", "logfile", guest.path(tag + "-cpe-pppd.log")], NS["cpe"])


def ac_pppd_pids(guest):
    pids = []
    for pid in guest.run(["ip", "netns", "pids", NS["ac"]]).stdout.split():
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "pppd":
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


# ---------------------------------------------------------------- accel-ppp, the second AC

ACCEL_NAME = "LabAccel"
ACCEL_CLI = ("127.0.0.1", "2001")
ACCEL_PADO_DELAY_MS = 500


def start_accel(guest, tag, prefix):
    """accel-pppd (built by lab/vm/build-accel-ppp into the VM lab's cache) on ac-access: its
    own PPPoE discovery and sessions in the kernel, CHAP-MD5 against its chap-secrets, addresses
    from its pool, logs in the work directory, its CLI on 127.0.0.1:2001 for accel-cmd."""
    secrets = guest.path(f"{tag}-accel-chap-secrets")
    with open(secrets, "w") as f:
        f.write(f"{USER} * {SECRET} *\n")
    os.chmod(secrets, 0o600)
    config = guest.path(f"{tag}-accel-ppp.conf")
    log = guest.path(f"{tag}-accel-ppp.log")
    with open(config, "w") as f:
        f.write("\n".join([
            "[modules]", "log_file", "pppoe", "auth_chap_md5", "chap-secrets", "ippool", "",
            "[core]", f"log-error={guest.path(tag + '-accel-core.log')}", "thread-count=2", "",
            "[common]", "single-session=0", "",
            "[ppp]", "verbose=1", "min-mtu=1280", "mtu=1492", "mru=1492", "ipv4=require", "ipv6=deny",
            "lcp-echo-interval=10", "lcp-echo-failure=3", "",
            "[auth]", "any-login=0", "noauth=0", "",
            "[pppoe]", "verbose=1", "interface=ac-access", f"ac-name={ACCEL_NAME}", f"service-name={SERVICE}",
            "called-sid=mac", "pado-delay=0", "",
            "[chap-secrets]", f"chap-secrets={secrets}", f"gw-ip-address={PPP_LOCAL}", "",
            "[ip-pool]", f"gw-ip-address={PPP_LOCAL}", f"{PPP_POOL}-9", "",
            "[log]", f"log-file={log}", f"log-emerg={guest.path(tag + '-accel-emerg.log')}", "copy=1", "level=3", "",
            "[cli]", "verbose=1", f"tcp={ACCEL_CLI[0]}:{ACCEL_CLI[1]}", ""]))
    accel = guest.spawn(f"{tag}-accel-pppd", [os.path.join(prefix, "sbin", "accel-pppd"), "-c", config], NS["ac"])

    def listening():
        if accel.poll() is not None:
            raise Failure(f"accel-pppd exited {accel.returncode}: {guest.text(tag + '-accel-pppd.err')}"
                          f"{guest.text(tag + '-accel-core.log')[-2000:]}")
        return packet_socket_bound(guest, NS["ac"], 0x8863) and \
            accel_cmd(guest, prefix, ["show", "version"], check=False).returncode == 0

    guest.wait_until("accel-pppd listens", 30, listening)
    return accel


def accel_cmd(guest, prefix, args, check=True):
    return guest.run([os.path.join(prefix, "bin", "accel-cmd"), "-H", ACCEL_CLI[0], "-p", ACCEL_CLI[1]] + args,
                     NS["ac"], check=check)


def accel_sessions(guest, prefix):
    """accel-cmd show sessions, as dicts of the columns asked for."""
    columns = ["username", "ip", "calling-sid", "state", "ifname"]
    out = accel_cmd(guest, prefix, ["show", "sessions", ",".join(columns)]).stdout
    sessions = []
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) == len(columns) and cells[0] not in ("username", "") and not set(line) <= set("-+ "):
            sessions.append(dict(zip(columns, cells)))
    return sessions


def ppp_units(guest, ns):
    """{ppp device: its IPv4 (local, peer)} in `ns`."""
    found = {}
    for link in guest.json(["ip", "-j", "link", "show"], ns):
        if link.get("link_type") == "ppp":
            v4 = [a for a in addresses(guest, ns, link["ifname"]) if a[0] == "inet"]
            if v4:
                found[link["ifname"]] = (v4[0][1], v4[0][2])
    return found


def discovery_frames(guest, name):
    """The frames a sniffer logged (a line cut short by its stop is left out)."""
    frames = []
    for line in guest.text(name).splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "frame":
            frames.append(entry)
    return frames


class Relay:
    """relayctl run (or pppoe-relay) in the relay namespace."""

    def __init__(self, guest, kind, relayctl, tag, dataplane=None):
        self.guest, self.kind, self.relayctl, self.tag = guest, kind, relayctl, tag
        self.runtime = f"/run/vmlab-relay-{tag}"
        if kind == "relayctl":
            self.process = guest.spawn(f"{tag}-relay", [relayctl, "run", "--lan", "lan0", "--wan", "wan0",
                                                        "--dataplane", dataplane, "--runtime-dir", self.runtime],
                                       NS["relay"])

            def ready():
                if self.process.poll() is not None:
                    raise Failure(f"relayctl exited {self.process.returncode}: {guest.text(tag + '-relay.err')}")
                return self.ctl(["status", "--json"], check=False).returncode == 0
        else:
            self.process = guest.spawn(f"{tag}-relay", ["pppoe-relay", "-F", "-S", "wan0", "-C", "lan0", "-n", "16"],
                                       NS["relay"])

            def ready():
                if self.process.poll() is not None:
                    raise Failure(f"pppoe-relay exited {self.process.returncode}: {guest.text(tag + '-relay.err')}")
                return packet_socket_bound(guest, NS["relay"], 0x8864)
        guest.wait_until(f"{kind} is ready", RELAY_READY, ready)

    def ctl(self, args, check=True):
        return self.guest.run([self.relayctl] + args + ["--runtime-dir", self.runtime], NS["relay"], check=check)

    def query(self, what):
        return json.loads(self.ctl([what, "--json"]).stdout)

    def stop(self):
        return self.guest.stop(self.process, signal.SIGTERM, 20)


# ---------------------------------------------------------------- transfers

def serve(args):
    """Sends one file to the first client, then exits; prints what it sent."""
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.bind, args.port))
    listener.listen(1)
    listener.settimeout(args.timeout)
    print(json.dumps({"event": "listening"}), flush=True)
    try:
        connection, _ = listener.accept()
    except socket.timeout:
        print(json.dumps({"event": "done", "error": "nobody connected"}), flush=True)
        return 1
    connection.settimeout(args.timeout)
    sent = 0
    started = time.monotonic()
    with open(args.file, "rb") as f:
        try:
            for _ in range(args.repeat):
                f.seek(0)
                sent += connection.sendfile(f)
            connection.shutdown(socket.SHUT_WR)
            # Wait for the receiver's close, so the last bytes are not lost to a reset.
            connection.recv(1)
            error = None
        except OSError as e:
            error = str(e)
    print(json.dumps({"event": "done", "sent": sent, "seconds": round(time.monotonic() - started, 3), "error": error}),
          flush=True)
    return 0


def fetch(args):
    """Connects, reads to the end (or until nothing arrives for --stall s, or --deadline), hashes."""
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    result = {"connected": False, "bytes": 0, "eof": False, "stalled": False, "sha256": None, "seconds": 0.0}
    digest = hashlib.sha256()
    started = time.monotonic()
    deadline = started + args.deadline
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.settimeout(min(args.stall, args.deadline))
        s.connect((args.host, args.port))
        result["connected"] = True
        busy = busy_seconds()
        buffer = bytearray(1 << 16)
        view = memoryview(buffer)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result["error"] = "deadline"
                break
            s.settimeout(min(args.stall, remaining))
            try:
                n = s.recv_into(buffer)
            except socket.timeout:
                if time.monotonic() < deadline:
                    result["stalled"] = True
                else:
                    result["error"] = "deadline"
                break
            if n == 0:
                result["eof"] = True
                break
            digest.update(view[:n])
            result["bytes"] += n
    except OSError as e:
        result["error"] = str(e)
    finally:
        s.close()
    if result["connected"]:
        result["cpu_seconds"] = round(busy_seconds() - busy, 2)
    result["seconds"] = round(time.monotonic() - started, 3)
    result["sha256"] = digest.hexdigest()
    print(json.dumps(result), flush=True)
    return 0


def transfer(guest, tag, server_ns, bind, client_ns, host, payload, stall, deadline=TRANSFER, repeat=1):
    """The server sends `payload` to whoever connects from `client_ns`; what arrived, and when."""
    server = guest.spawn(tag + "-serve", [PYTHON, __file__, "serve", "--bind", bind, "--port", str(PORT),
                                          "--file", payload, "--timeout", str(deadline + 10),
                                          "--repeat", str(repeat)], NS[server_ns])
    guest.wait_until("the server listens", 20, lambda: "listening" in guest.text(tag + "-serve.out")
                     or server.poll() is not None)
    if server.poll() is not None:
        raise Failure(f"transfer server exited: {guest.text(tag + '-serve.err')}")
    done = guest.run([PYTHON, __file__, "fetch", "--host", host, "--port", str(PORT), "--deadline", str(deadline),
                      "--stall", str(stall)], NS[client_ns], timeout=deadline + 30)
    result = json.loads(done.stdout)
    guest.stop(server, signal.SIGKILL, 5)
    result["mbit_per_s"] = round(result["bytes"] * 8 / result["seconds"] / 1e6, 2) if result["seconds"] else 0.0
    return result


# ---------------------------------------------------------------- the scenario

class Scenario:
    def __init__(self, args):
        self.args = args
        self.guest = Guest(args.out, NS.values(), COMMAND_TIMEOUT)
        self.results = {"kernel_release": os.uname().release, "payload_bytes": PAYLOAD_BYTES,
                        "fallback": {}, "dataplanes": {}, "accel": {}, "bench": {}, "failures": [], "stages": {}}
        self.payload = "/tmp/vmlab-payload"

    def check(self, condition, what):
        """Records a check; the run goes on, the exit status says whether all held."""
        say(("   ok: " if condition else "   FAILED: ") + what)
        if not condition:
            self.results["failures"].append(what)
        return condition

    def abort(self, part, error):
        self.results["failures"].append(f"{part}: {error}")
        say(f"== FAILED, {part} cannot go on: {error}")

    def save(self):
        with open(self.guest.path("results.json"), "w") as f:
            json.dump(self.results, f, indent=1, sort_keys=True)

    def run(self):
        guest = self.guest
        started = time.monotonic()
        try:
            say(f"== guest: Linux {os.uname().release}, {os.cpu_count()} CPUs (TCG)")
            for module in ["pppoe", "ppp_async", "nf_tables"]:
                guest.run(["modprobe", module])
            say("   modules: pppoe, ppp_async, nf_tables loaded; /dev/ppp " +
                ("present" if os.path.exists("/dev/ppp") else "MISSING"))
            guest.run(["busybox", "syslogd", "-O", guest.path("syslog")])
            configure_ppp(guest)
            with open(self.payload, "wb") as f:
                f.write(os.urandom(PAYLOAD_BYTES))
            with open(self.payload, "rb") as f:
                self.payload_sha = hashlib.file_digest(f, "sha256").hexdigest()
            say("== network: host -- cpe (pppd client) -- relay -- ac (pppoe-server, pppd) -- server, MTU 1500")
            build_network(guest)
        except Failure as e:
            self.abort("setting the guest up", e)
        else:
            # A part that cannot go on is recorded as a failure, and the next one still runs.
            parts = ([("auto", self.fallback)] if not self.args.skip_fallback else []) \
                + [(dataplane, lambda d=dataplane: self.dataplane_run(d)) for dataplane in self.args.dataplane] \
                + [(f"accel-ppp {dataplane}", lambda d=dataplane: self.accel_run(d))
                   for dataplane in (self.args.accel_dataplane if self.args.accel_ppp else [])] \
                + ([("accel-ppp through pppoe-relay", self.accel_through_pppoe_relay)]
                   if self.args.accel_ppp and self.args.accel_compare else []) \
                + ([("benchmark", self.bench)] if self.args.bench else [])
            for name, part in parts:
                part_started = time.monotonic()
                try:
                    part()
                except Failure as e:
                    self.abort(name, e)
                self.results["stages"][name] = round(time.monotonic() - part_started, 1)
            say("== stage times: " + ", ".join(f"{name} {seconds} s" for name, seconds in self.results["stages"].items()))
        finally:
            self.results["seconds"] = round(time.monotonic() - started, 1)
            self.save()
            guest.cleanup()
        return 0 if not self.results["failures"] else 1

    # -- 5: auto picks the kernel dataplane only where nft_fwd_netdev can load

    def fallback(self):
        guest = self.guest
        say("== dataplane auto on this kernel, nft_fwd_netdev kept from loading (install ... /bin/false)")
        guest.run(["modprobe", "-r", "nft_fwd_netdev"], check=False)
        with open("/run/modprobe.d/vmlab-no-fwd.conf", "w") as f:
            f.write("install nft_fwd_netdev /bin/false\n")
        try:
            relay = Relay(guest, "relayctl", self.args.relayctl, "auto-nofwd", "auto")
            status = relay.query("status")
            relay.stop()
        finally:
            os.unlink("/run/modprobe.d/vmlab-no-fwd.conf")
        loaded = module_loaded("nft_fwd_netdev")
        self.results["fallback"]["without_fwd"] = {"dataplane": status["dataplane"],
                                                   "reason": status["dataplane_reason"], "module_loaded": loaded}
        say(f"   status: dataplane {status['dataplane']}: {status['dataplane_reason']}")
        self.check(status["dataplane"] == "userspace" and not loaded, "auto fell back to userspace and said why")

        say("== dataplane auto with nft_fwd_netdev loadable")
        relay = Relay(guest, "relayctl", self.args.relayctl, "auto-fwd", "auto")
        status = relay.query("status")
        relay.stop()
        loaded = module_loaded("nft_fwd_netdev")
        self.results["fallback"]["with_fwd"] = {"dataplane": status["dataplane"],
                                                "reason": status["dataplane_reason"], "module_loaded": loaded}
        say(f"   status: dataplane {status['dataplane']}: {status['dataplane_reason']}")
        self.check(status["dataplane"] == "kernel" and loaded,
                   "auto picked the kernel dataplane (module loaded on demand)")

    # -- 1 to 4, on one dataplane

    def dataplane_run(self, dataplane):
        guest, tag = self.guest, dataplane
        facts = {}
        self.results["dataplanes"][dataplane] = facts
        say(f"== {dataplane}: relayctl run --lan lan0 --wan wan0 --dataplane {dataplane}")
        ac, relay = start_ac(guest, tag, self.args.ac), None
        try:
            relay = Relay(guest, "relayctl", self.args.relayctl, tag, dataplane)
            status = relay.query("status")
            facts["status_dataplane"] = status["dataplane"]
            say(f"   status: dataplane {status['dataplane']}: {status['dataplane_reason']}")

            # 1: CHAP, a wrong password first.
            say(f"== {dataplane}: pppd logs in with a wrong password")
            wrong = start_cpe(guest, tag + "-wrong", "not-the-password")
            try:
                wrong.wait(PPPD_EXIT + DIAL)
            except subprocess.TimeoutExpired:
                guest.stop(wrong)
                raise Failure("pppd with a wrong password neither connected nor gave up")
            cpe_log, ac_log = guest.text(tag + "-wrong-cpe-pppd.log"), guest.text(tag + "-ac-pppd.log")
            facts["wrong_password"] = {
                "exit_status": wrong.returncode,
                "cpe_log_refused": "CHAP authentication failed" in cpe_log,
                "ac_log_refused": f"Peer {USER} failed CHAP authentication" in ac_log,
                "got_address": "local  IP address" in cpe_log}
            for line in (cpe_log + ac_log).splitlines():
                if "CHAP" in line or "authentication" in line.lower():
                    say("   pppd: " + line.strip())
            self.check(wrong.returncode == 19 and facts["wrong_password"]["ac_log_refused"]
                       and not facts["wrong_password"]["got_address"],
                       f"the wrong password was refused (pppd exit {wrong.returncode}, 19 = authentication failed)")

            # 1 and 2: the right password, IPCP and IPv6CP.
            say(f"== {dataplane}: pppd logs in with the right password")
            dial_started = time.monotonic()
            cpe = start_cpe(guest, tag, SECRET)

            def ipcp_up():
                if cpe.poll() is not None:
                    raise Failure(f"pppd exited {cpe.returncode}: {guest.text(tag + '-cpe-pppd.log')[-2000:]}")
                return [a for a in addresses(guest, NS["cpe"], "ppp0") if a[0] == "inet"]

            v4 = guest.wait_until("IPCP gives the cpe its address", DIAL, ipcp_up)
            facts["dial_seconds"] = round(time.monotonic() - dial_started, 2)
            facts["ipcp"] = {"local": v4[0][1], "peer": v4[0][2]}
            say(f"   IPCP: cpe ppp0 {v4[0][1]} peer {v4[0][2]} after {facts['dial_seconds']} s")
            ac_ppp = guest.wait_until("the AC's ppp device", 10, lambda: ppp_device(guest, NS["ac"]))

            def ipv6cp_up():
                ours = [a for a in addresses(guest, NS["cpe"], "ppp0") if a[0] == "inet6" and not a[3]]
                theirs = [a for a in addresses(guest, NS["ac"], ac_ppp) if a[0] == "inet6" and not a[3]]
                return (ours, theirs) if ours and theirs else None

            try:
                ours, theirs = guest.wait_until("IPv6CP is up on both ends", IPV6CP, ipv6cp_up)
                facts["ipv6cp"] = {"cpe": ours[0][1], "ac": theirs[0][1]}
                say(f"   IPv6CP: cpe ppp0 {ours[0][1]}, AC {ac_ppp} {theirs[0][1]}")
            except Failure as e:
                facts["ipv6cp"] = None
                say(f"   IPv6CP: {e}")
            cpe_log = guest.text(tag + "-cpe-pppd.log")
            facts["chap_succeeded"] = "CHAP authentication succeeded" in cpe_log
            facts["client_session_id"] = next((int(line.split()[-1]) for line in cpe_log.splitlines()
                                               if line.startswith("PPP session is")), None)
            ac_v4 = [a for a in addresses(guest, NS["ac"], ac_ppp) if a[0] == "inet"]
            facts["ipcp"]["ac_local"], facts["ipcp"]["ac_peer"] = (ac_v4[0][1], ac_v4[0][2]) if ac_v4 else (None, None)
            ipcp = facts["ipcp"]
            self.check(facts["chap_succeeded"] and ipcp["local"] in POOL and ipcp["peer"] == PPP_LOCAL
                       and ipcp["ac_local"] == PPP_LOCAL and ipcp["ac_peer"] == ipcp["local"],
                       f"CHAP succeeded and IPCP gave the cpe {facts['ipcp']['local']} from the AC's pool "
                       f"(peer {PPP_LOCAL})")
            self.check(facts["ipv6cp"] is not None, "IPv6CP came up on both ends")

            # Routes: the AC reaches the host's network through the subscriber.
            guest.run(["ip", "route", "add", HOST_NET4, "dev", ac_ppp], NS["ac"])
            if facts["ipv6cp"]:
                guest.run(["ip", "-6", "route", "add", HOST_NET6, "dev", ac_ppp], NS["ac"])
                guest.run(["ip", "-6", "route", "add", "default", "dev", "ppp0"], NS["cpe"])

            # 2: pings.
            say(f"== {dataplane}: ping")
            pings = {
                "cpe_to_ac": ("cpe", [PPP_LOCAL]), "ac_to_cpe": ("ac", [facts["ipcp"]["local"]]),
                "host_to_server": ("host", [SERVER4]), "server_to_host": ("server", [HOST4]),
            }
            if facts["ipv6cp"]:
                pings.update({
                    "cpe_to_ac_link_local": ("cpe", ["-6", facts["ipv6cp"]["ac"] + "%ppp0"]),
                    "ac_to_cpe_link_local": ("ac", ["-6", facts["ipv6cp"]["cpe"] + "%" + ac_ppp]),
                    "host_to_server_v6": ("host", ["-6", SERVER6]), "server_to_host_v6": ("server", ["-6", HOST6]),
                })
            facts["ping"] = {}
            for name, (ns, target) in pings.items():
                done = guest.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "5"] + target, NS[ns],
                                 check=False, timeout=30)
                facts["ping"][name] = done.returncode == 0
                summary = next((line for line in done.stdout.splitlines() if "packets transmitted" in line), "")
                say(f"   {name.replace('_', ' ')} ({' '.join(target)}): {summary or done.stderr.strip()}")
            self.check(all(facts["ping"].values()), "every ping was answered")

            # 3: 24 MiB from a 1500-byte server to a 1500-byte host across the 1492-byte session.
            facts["transfers"] = []
            families = [("ipv4", SERVER4, HOST4)] + ([("ipv6", SERVER6, HOST6)] if facts["ipv6cp"] else [])
            for family, server_address, _ in families:
                for mss in ["auto", "off"]:
                    relay.ctl(["mss", "set", mss])
                    say(f"== {dataplane}: {PAYLOAD_BYTES >> 20} MiB server -> host over {family}, "
                        f"relayctl mss set {mss}")
                    before = relay.query("status")["counters"]
                    result = transfer(guest, f"{tag}-{family}-{mss}", "server",
                                      "::" if family == "ipv6" else "0.0.0.0", "host", server_address, self.payload,
                                      stall=PATIENCE if mss == "auto" else STALL)
                    after = relay.query("status")["counters"]
                    clamped = after.get("mss_clamped_to_ac", 0) - before.get("mss_clamped_to_ac", 0)
                    result.update(family=family, mss=mss, clamped_syns_to_ac=clamped,
                                  intact=result["eof"] and result["bytes"] == PAYLOAD_BYTES
                                  and result["sha256"] == self.payload_sha)
                    facts["transfers"].append(result)
                    if result["intact"]:
                        say(f"   {result['bytes']} bytes in {result['seconds']} s ({result['mbit_per_s']} Mbit/s), "
                            f"SHA-256 matches; SYNs clamped toward the AC: {result['clamped_syns_to_ac']}")
                    else:
                        say(f"   connected: {result['connected']}, {result['bytes']} of {PAYLOAD_BYTES} bytes, "
                            f"{'stalled: nothing for %d s' % STALL if result['stalled'] else result.get('error')}"
                            f" after {result['seconds']} s; SYNs clamped: {result['clamped_syns_to_ac']}")
                    if mss == "auto":
                        self.check(result["intact"] and result["clamped_syns_to_ac"] >= 1,
                                   f"{family}: the clamped transfer arrived whole")
                    else:
                        self.check(result["connected"] and not result["intact"] and result["stalled"]
                                   and result["clamped_syns_to_ac"] == 0,
                                   f"{family}: without clamping the transfer stalled")
            relay.ctl(["mss", "set", "auto"])
            facts["icmp_blackholed"] = blackholed(guest)
            say(f"   ICMP frag-needed / packet-too-big the AC dropped: {facts['icmp_blackholed']}")

            # 4: sessions and their counters against the PPP devices at both ends.
            say(f"== {dataplane}: relayctl sessions")
            say("\n".join("   " + line for line in relay.ctl(["sessions"]).stdout.splitlines()))
            facts["sessions"] = relay.query("sessions")["sessions"]
            facts["ppp_stats"] = {"cpe": link_stats(guest, NS["cpe"], "ppp0"),
                                  "ac": link_stats(guest, NS["ac"], ac_ppp)}
            facts["mac"] = {"cpe": device_mac(guest, "cpe", "cpe-wan"), "ac": device_mac(guest, "ac", "ac-access")}
            self.check_sessions(facts)

            # 4: stop: PADT both ways, and both pppd notice.
            say(f"== {dataplane}: stopping the relay (PADT to both sides)")
            for side, ns, device in [("cpe", "cpe", "cpe-wan"), ("ac", "ac", "ac-access")]:
                sniffer = guest.spawn(f"{tag}-sniff-{side}", [PYTHON, PPPOE_LAB, "sniff", "--iface", device, "--log",
                                                               guest.path(f"{tag}-sniff-{side}.log"), "--ethertype",
                                                               "0x8863", "--seconds", "40"], NS[ns])
                guest.wait_until("the sniffer is ready", 20,
                                 lambda: "ready" in guest.text(f"{tag}-sniff-{side}.log") or sniffer.poll() is not None)
            ac_pids = ac_pppd_pids(guest)
            stopped = time.monotonic()
            facts["relay_exit"] = relay.stop()
            try:
                cpe.wait(PPPD_EXIT)
            except subprocess.TimeoutExpired:
                pass
            try:
                guest.wait_until("the AC's pppd exits", PPPD_EXIT, lambda: not ac_pppd_pids(guest))
            except Failure:
                pass
            padts = {}
            for side in ("cpe", "ac"):
                frames = [json.loads(line) for line in guest.text(f"{tag}-sniff-{side}.log").splitlines() if line]
                padts[side] = sum(1 for f in frames if f.get("event") == "frame" and f.get("code") == 0xA7)
            cpe_log, ac_log = guest.text(tag + "-cpe-pppd.log"), guest.text(tag + "-ac-pppd.log")
            facts["stop"] = {
                "seconds": round(time.monotonic() - stopped, 2),
                "padt_frames": padts,
                "cpe_pppd_exit": cpe.returncode,
                "ac_pppd_was": len(ac_pids), "ac_pppd_left": len(ac_pppd_pids(guest)),
                "cpe_log_tail": cpe_log.splitlines()[-6:], "ac_log_tail": ac_log.splitlines()[-6:],
                "syslog_padt": [line for line in guest.text("syslog").splitlines()
                                if "PADT" in line and f"pppoe-server[{ac.pid}]" in line],
            }
            for line in facts["stop"]["cpe_log_tail"][-3:]:
                say("   cpe pppd: " + line)
            for line in facts["stop"]["ac_log_tail"][-3:]:
                say("   AC pppd: " + line)
            for line in facts["stop"]["syslog_padt"]:
                say("   syslog: " + line.split(" ", 3)[-1])
            self.check(facts["relay_exit"] == 0 and padts["cpe"] >= 1 and padts["ac"] >= 1,
                       f"the relay exited 0 and sent PADT both ways ({padts['cpe']} to the cpe, "
                       f"{padts['ac']} to the AC)")
            self.check(cpe.returncode is not None and facts["stop"]["ac_pppd_was"] == 1
                       and facts["stop"]["ac_pppd_left"] == 0,
                       f"both pppd ended (cpe exit {cpe.returncode}, AC pppd {facts['stop']['ac_pppd_was']} -> "
                       f"{facts['stop']['ac_pppd_left']})")
        finally:
            if relay:
                relay.stop()
            for process in guest.processes:
                if process.poll() is None and process is not ac:
                    guest.stop(process, signal.SIGKILL, 5)
            self.stop_ac(ac)
            self.save()

    def stop_ac(self, ac):
        """pppoe-server and every pppd it started."""
        self.guest.stop(ac, signal.SIGTERM, 10)
        for pid in ac_pppd_pids(self.guest):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def check_sessions(self, facts):
        sessions, cpe, ac = facts["sessions"], facts["ppp_stats"]["cpe"], facts["ppp_stats"]["ac"]
        if not self.check(len(sessions) == 1, f"relayctl sessions shows one session ({len(sessions)})"):
            return
        s = sessions[0]
        say(f"   cpe ppp0: rx {cpe['rx_packets']} packets {cpe['rx_bytes']} bytes, "
            f"tx {cpe['tx_packets']} packets {cpe['tx_bytes']} bytes")
        self.check(s["client_mac"] == facts["mac"]["cpe"] and s["ac_mac"] == facts["mac"]["ac"]
                   and s["ac_name"] == AC_NAME and s["service_name"] == SERVICE
                   and s["client_session_id"] == facts["client_session_id"],
                   "the session names the cpe's MAC and session id, the AC's MAC, AC-Name and Service-Name")
        # What one end's PPP device sent, the relay carried at most (less what was lost on the way
        # to it), and what the other end's device received, the relay carried at least (more what
        # was lost after it). Besides, the relay carried LCP, CHAP, IPCP and IPv6CP, which PPP
        # devices do not count, and each frame is its IP packet plus the PPP protocol (2), PPPoE (6)
        # and, as the relay may count it, Ethernet (14) headers.
        control = CONTROL_FRAMES
        bounds = [("to_client", ac["tx_packets"], ac["tx_bytes"], cpe["rx_packets"], cpe["rx_bytes"]),
                  ("to_ac", cpe["tx_packets"], cpe["tx_bytes"], ac["rx_packets"], ac["rx_bytes"])]
        ok = True
        for direction, sent_packets, sent_bytes, received_packets, received_bytes in bounds:
            packets, bytes_ = s["packets_" + direction], s["bytes_" + direction]
            ok = ok and received_packets <= packets <= sent_packets + control
            ok = ok and received_bytes + 8 * received_packets <= bytes_ <= sent_bytes + 22 * packets + 64 * control
        self.check(ok, f"its counters lie between what the PPP devices sent and received: to the client "
                       f"{s['packets_to_client']} packets {s['bytes_to_client']} bytes (AC sent {ac['tx_packets']}, "
                       f"cpe got {cpe['rx_packets']}), to the AC {s['packets_to_ac']} packets {s['bytes_to_ac']} "
                       f"bytes (cpe sent {cpe['tx_packets']}, AC got {ac['rx_packets']})")

    # -- 7: accel-ppp as the AC, on one dataplane

    def accel_run(self, dataplane):
        """Through relayctl to accel-ppp, whose AC-Cookie binds the PADI's Relay-Session-Id: a
        login (CHAP, IPCP), pings, 24 MiB server -> host, a second client (another MAC) while
        accel-ppp holds its PADOs back 500 ms, both sessions in `relayctl sessions` and in
        accel-ppp's, then a stop whose PADT both sides see and both sessions end on. A sniffer on
        the AC's side records every discovery frame: each PADR must carry its PADI's tag."""
        guest, tag, prefix = self.guest, "accel-" + dataplane, self.args.accel_ppp
        facts = {}
        self.results["accel"][dataplane] = facts
        say(f"== accel-ppp, {dataplane}: accel-pppd on ac-access, relayctl run --dataplane {dataplane}")
        part_started = time.monotonic()
        accel = start_accel(guest, tag, prefix)
        relay, clients = None, []
        # A packet socket bound to 0x8863 sees the frames its device receives: one at each end of
        # the WAN link, the relay's requests at accel-ppp and accel-ppp's answers at the relay.
        sniffers = []
        for side, ns, device in [("wan", "ac", "ac-access"), ("relay-wan", "relay", "wan0")]:
            sniffer = guest.spawn(f"{tag}-sniff-{side}", [PYTHON, PPPOE_LAB, "sniff", "--iface", device, "--log",
                                                          guest.path(f"{tag}-sniff-{side}.log"), "--ethertype",
                                                          "0x8863", "--seconds", "600"], NS[ns])
            guest.wait_until("the sniffer is ready", 20, lambda: "ready" in guest.text(f"{tag}-sniff-{side}.log")
                             or sniffer.poll() is not None)
            sniffers.append(sniffer)
        try:
            relay = Relay(guest, "relayctl", self.args.relayctl, tag, dataplane)
            facts["status_dataplane"] = relay.query("status")["dataplane"]

            say(f"== accel-ppp, {dataplane}: the subscriber's pppd logs in")
            dial_started = time.monotonic()
            first = start_cpe(guest, tag, SECRET)
            clients.append(first)

            def up(process, device):
                def ready():
                    if process.poll() is not None:
                        raise Failure(f"pppd exited {process.returncode}: "
                                      f"{guest.text(tag + '-cpe-pppd.log')[-1500:]}"
                                      f"{guest.text(tag + '-accel-ppp.log')[-1500:]}")
                    return ppp_units(guest, NS["cpe"]).get(device)
                return ready

            local, peer = guest.wait_until("IPCP gives the cpe its address", DIAL, up(first, "ppp0"))
            facts["dial_seconds"] = round(time.monotonic() - dial_started, 2)
            cpe_log = guest.text(tag + "-cpe-pppd.log")
            facts["chap_succeeded"] = "CHAP authentication succeeded" in cpe_log
            facts["ipcp"] = {"local": local, "peer": peer}
            say(f"   IPCP: cpe ppp0 {local} peer {peer} after {facts['dial_seconds']} s, "
                f"CHAP {'succeeded' if facts['chap_succeeded'] else 'NOT seen'}")
            self.check(facts["chap_succeeded"] and peer == PPP_LOCAL and local in POOL,
                       "accel-ppp: CHAP succeeded and IPCP gave an address from accel-ppp's pool")

            # The AC routes the subscriber's network to its session, as a RADIUS Framed-Route would.
            accel_ppp = next((x["ifname"] for x in accel_sessions(guest, prefix) if x["ip"] == local), None)
            if not accel_ppp:
                raise Failure(f"accel-ppp lists no session for {local}")
            guest.run(["ip", "route", "add", HOST_NET4, "dev", accel_ppp], NS["ac"])
            facts["ping"] = {}
            for name, target in [("cpe_to_ac", ["-I", "ppp0", PPP_LOCAL]), ("host_to_server", [SERVER4]),
                                 ("server_to_host", [HOST4])]:
                ns = name.split("_")[0]
                done = guest.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "5"] + target, NS[ns],
                                 check=False, timeout=30)
                facts["ping"][name] = done.returncode == 0
                summary = next((line for line in done.stdout.splitlines() if "packets transmitted" in line), "")
                say(f"   {name.replace('_', ' ')}: {summary or done.stderr.strip()}")
            self.check(all(facts["ping"].values()), "accel-ppp: every ping was answered")

            say(f"== accel-ppp, {dataplane}: {PAYLOAD_BYTES >> 20} MiB server -> host over IPv4 (MSS clamped)")
            result = transfer(guest, f"{tag}-ipv4", "server", "0.0.0.0", "host", SERVER4, self.payload,
                              stall=PATIENCE)
            result["intact"] = result["eof"] and result["bytes"] == PAYLOAD_BYTES and result["sha256"] == self.payload_sha
            facts["transfer"] = result
            say(f"   {result['bytes']} bytes in {result['seconds']} s ({result['mbit_per_s']} Mbit/s), "
                f"{'SHA-256 matches' if result['intact'] else 'INCOMPLETE: ' + str(result.get('error'))}")
            self.check(result["intact"], "accel-ppp: the transfer arrived whole")

            say(f"== accel-ppp, {dataplane}: a second client (its own MAC) while accel-ppp delays its PADOs "
                f"{ACCEL_PADO_DELAY_MS} ms")
            accel_cmd(guest, prefix, ["pppoe", "set", "PADO-delay", str(ACCEL_PADO_DELAY_MS)])
            facts["pado_delay"] = accel_cmd(guest, prefix, ["pppoe", "show", "PADO-delay"]).stdout.strip()
            guest.run(["ip", "link", "add", "cpe-wan2", "link", "cpe-wan", "type", "macvlan", "mode", "bridge"], NS["cpe"])
            guest.run(["ip", "link", "set", "cpe-wan2", "up"], NS["cpe"])
            second_started = time.monotonic()
            second = start_cpe(guest, tag + "-second", SECRET, device="cpe-wan2", unit=1, defaultroute=False)
            clients.append(second)
            local2, _ = guest.wait_until("IPCP gives the second client its address", DIAL, up(second, "ppp1"))
            facts["second_dial_seconds"] = round(time.monotonic() - second_started, 2)
            say(f"   IPCP: cpe ppp1 {local2} after {facts['second_dial_seconds']} s (accel-ppp: {facts['pado_delay']})")
            done = guest.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "5", "-I", "ppp1", PPP_LOCAL], NS["cpe"],
                             check=False, timeout=30)
            facts["ping"]["second_to_ac"] = done.returncode == 0
            done = guest.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "5", "-I", "ppp0", PPP_LOCAL], NS["cpe"],
                             check=False, timeout=30)
            facts["ping"]["first_to_ac_meanwhile"] = done.returncode == 0
            self.check(facts["ping"]["second_to_ac"] and facts["ping"]["first_to_ac_meanwhile"],
                       "accel-ppp: both clients' pings answered at once")

            say(f"== accel-ppp, {dataplane}: relayctl sessions and accel-cmd show sessions")
            say("\n".join("   " + line for line in relay.ctl(["sessions"]).stdout.splitlines()))
            facts["sessions"] = relay.query("sessions")["sessions"]
            facts["accel_sessions"] = accel_sessions(guest, prefix)
            say("\n".join("   accel-ppp: " + " ".join(f"{k}={v}" for k, v in session.items())
                          for session in facts["accel_sessions"]))
            facts["mac"] = {"cpe": device_mac(guest, "cpe", "cpe-wan"), "cpe2": device_mac(guest, "cpe", "cpe-wan2"),
                            "ac": device_mac(guest, "ac", "ac-access"), "relay_wan": device_mac(guest, "relay", "wan0"),
                            "relay_lan": device_mac(guest, "relay", "lan0")}
            self.check(len(facts["sessions"]) == 2
                       and {x["client_mac"] for x in facts["sessions"]} == {facts["mac"]["cpe"], facts["mac"]["cpe2"]}
                       and all(x["ac_mac"] == facts["mac"]["ac"] and x["ac_name"] == ACCEL_NAME for x in facts["sessions"]),
                       f"accel-ppp: relayctl shows both sessions ({len(facts['sessions'])})")
            self.check(len(facts["accel_sessions"]) == 2
                       and {x["ip"] for x in facts["accel_sessions"]} == {local, local2}
                       and all(x["username"] == USER and x["state"] == "active"
                               and x["calling-sid"].lower() == facts["mac"]["relay_wan"] for x in facts["accel_sessions"]),
                       f"accel-ppp: accel-ppp holds both sessions, from the relay's WAN MAC "
                       f"({len(facts['accel_sessions'])})")

            say(f"== accel-ppp, {dataplane}: stopping the relay (PADT to both sides)")
            cpe_sniffer = guest.spawn(f"{tag}-sniff-cpe", [PYTHON, PPPOE_LAB, "sniff", "--iface", "cpe-wan", "--log",
                                                          guest.path(f"{tag}-sniff-cpe.log"), "--ethertype", "0x8863",
                                                          "--seconds", "40"], NS["cpe"])
            guest.wait_until("the sniffer is ready", 20, lambda: "ready" in guest.text(f"{tag}-sniff-cpe.log")
                             or cpe_sniffer.poll() is not None)
            stopped = time.monotonic()
            facts["relay_exit"] = relay.stop()
            exits = []
            for client in clients:
                try:
                    client.wait(PPPD_EXIT)
                except subprocess.TimeoutExpired:
                    pass
                exits.append(client.returncode)
            try:
                guest.wait_until("accel-ppp ends both sessions", PPPD_EXIT, lambda: not accel_sessions(guest, prefix))
            except Failure:
                pass
            facts["accel_sessions_after_stop"] = len(accel_sessions(guest, prefix))
            guest.stop(cpe_sniffer, signal.SIGTERM, 5)
            # PADT from the relay: to each client on the LAN, to accel-ppp on the WAN.
            mac = facts["mac"]
            padts = {"cpe": sum(1 for f in discovery_frames(guest, f"{tag}-sniff-cpe.log")
                                if f.get("code") == 0xA7 and f.get("src") == mac["relay_lan"]
                                and f.get("dst") in (mac["cpe"], mac["cpe2"])),
                     "ac": sum(1 for f in discovery_frames(guest, f"{tag}-sniff-wan.log")
                               if f.get("code") == 0xA7 and f.get("src") == mac["relay_wan"] and f.get("dst") == mac["ac"])}
            facts["stop"] = {"seconds": round(time.monotonic() - stopped, 2), "padt_frames": padts,
                             "cpe_pppd_exits": exits}
            say(f"   PADT frames: {padts['cpe']} on the subscriber's side, {padts['ac']} to accel-ppp; pppd exits {exits}; "
                f"accel-ppp sessions left: {facts['accel_sessions_after_stop']}")
            self.check(facts["relay_exit"] == 0 and padts["cpe"] >= 2 and padts["ac"] >= 2
                       and exits == [16, 16] and facts["accel_sessions_after_stop"] == 0,
                       "accel-ppp: the stop sent PADT both ways and ended both sessions at both ends")
        finally:
            if relay:
                relay.stop()
            for process in clients:
                guest.stop(process, signal.SIGKILL, 5)
            for sniffer in sniffers:
                guest.stop(sniffer, signal.SIGTERM, 5)
            guest.stop(accel, signal.SIGTERM, 10)
            guest.run(["ip", "link", "del", "cpe-wan2"], NS["cpe"], check=False)
            self.accel_discovery(facts, tag)
            facts["seconds"] = round(time.monotonic() - part_started, 1)
            self.save()

    def accel_discovery(self, facts, tag):
        """What the WAN saw of discovery, and what accel-ppp said of the PADRs it got."""
        frames = sorted(discovery_frames(self.guest, f"{tag}-sniff-wan.log")
                        + discovery_frames(self.guest, f"{tag}-sniff-relay-wan.log"), key=lambda f: f["time"])
        relay_id = "0x0110"
        padi_tags = {f["tags"].get(relay_id) for f in frames if f.get("code") == 0x09}
        padrs = [f for f in frames if f.get("code") == 0x19]
        pados = [f for f in frames if f.get("code") == 0x07]
        # Per discovery (one tag each: one per client), from its first PADI to its first PADO, in
        # the order the clients dialled; the sniffers stamp frames as they read them.
        delays = []
        for discovery in dict.fromkeys(f["tags"].get(relay_id) for f in frames if f.get("code") == 0x09):
            asked = [f["time"] for f in frames if f.get("code") == 0x09 and f["tags"].get(relay_id) == discovery]
            offered = [f["time"] for f in pados if f["tags"].get(relay_id) == discovery]
            if asked and offered:
                delays.append(round(min(offered) - min(asked), 3))
        log = self.guest.text(tag + "-accel-ppp.log")
        facts["discovery"] = {
            "padi": sum(1 for f in frames if f.get("code") == 0x09), "pado": len(pados), "padr": len(padrs),
            "pads": sum(1 for f in frames if f.get("code") == 0x65),
            "padr_with_padi_tag": sum(1 for f in padrs if f["tags"].get(relay_id) in padi_tags - {None}),
            "pado_after_padi_seconds": delays,
            "accel_discarded_padr": log.count("discard PADR packet"),
            "accel_incorrect_cookie": log.count("incorrect AC-Cookie")}
        d = facts["discovery"]
        say(f"   on the WAN: {d['padi']} PADI, {d['pado']} PADO, {d['padr']} PADR ({d['padr_with_padi_tag']} with "
            f"their PADI's Relay-Session-Id), {d['pads']} PADS; first PADO after first PADI, per client: {delays} s; "
            f"PADRs accel-ppp discarded: {d['accel_discarded_padr']}")
        self.check(d["padr"] >= 2 and d["padr_with_padi_tag"] == d["padr"] and d["accel_discarded_padr"] == 0,
                   "accel-ppp: every PADR carried its PADI's Relay-Session-Id and accel-ppp took them all")
        # The second client dialled with PADO-delay 500: its offer came that much after its PADI.
        self.check(len(delays) >= 2 and delays[-1] >= ACCEL_PADO_DELAY_MS / 1000 - 0.05,
                   f"accel-ppp: the second client's PADO came {ACCEL_PADO_DELAY_MS} ms or more after its PADI")

    # -- 8: accel-ppp through rp-pppoe's pppoe-relay, for comparison

    def accel_through_pppoe_relay(self):
        guest, tag, prefix = self.guest, "accel-pppoe-relay", self.args.accel_ppp
        facts = {}
        self.results["accel"]["pppoe-relay"] = facts
        say("== accel-ppp through rp-pppoe's pppoe-relay, PADOs delayed 500 ms")
        accel = start_accel(guest, tag, prefix)
        relay, cpe = None, None
        try:
            accel_cmd(guest, prefix, ["pppoe", "set", "PADO-delay", str(ACCEL_PADO_DELAY_MS)])
            relay = Relay(guest, "pppoe-relay", self.args.relayctl, tag)
            started = time.monotonic()
            cpe = start_cpe(guest, tag, SECRET)

            def ready():
                if cpe.poll() is not None:
                    raise Failure(f"pppd exited {cpe.returncode}")
                return ppp_units(guest, NS["cpe"]).get("ppp0")

            guest.wait_until("IPCP is up", DIAL, ready)
            facts["dial_seconds"] = round(time.monotonic() - started, 2)
            done = guest.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "5", PPP_LOCAL], NS["cpe"],
                             check=False, timeout=30)
            facts["ping"] = done.returncode == 0
            say(f"   IPCP after {facts['dial_seconds']} s; ping {'answered' if facts['ping'] else 'NOT answered'}")
            self.check(facts["ping"], "accel-ppp through pppoe-relay: a session and a ping")
        finally:
            if relay:
                relay.stop()
            if cpe:
                guest.stop(cpe, signal.SIGTERM, 10)
            guest.stop(accel, signal.SIGTERM, 10)
            self.save()

    # -- 6: throughput through each relay, server -> cpe (whose own MSS fits the session)

    def bench(self):
        guest = self.guest
        digest = hashlib.sha256()
        with open(self.payload, "rb") as f:
            payload = f.read()
        for _ in range(BENCH_REPEAT):
            digest.update(payload)
        self.bench_sha = digest.hexdigest()
        for kind, dataplane in [("relayctl", "kernel"), ("relayctl", "userspace"), ("pppoe-relay", None)]:
            name = dataplane or kind
            say(f"== benchmark: {BENCH_ROUNDS} x {BENCH_REPEAT * PAYLOAD_BYTES >> 20} MiB server -> cpe through {name}")
            ac, relay, cpe = start_ac(guest, "bench-" + name, self.args.ac), None, None
            try:
                relay = Relay(guest, kind, self.args.relayctl, "bench-" + name, dataplane)
                cpe = start_cpe(guest, "bench-" + name, SECRET)

                def up():
                    if cpe.poll() is not None:
                        raise Failure(f"pppd exited {cpe.returncode}")
                    return [a for a in addresses(guest, NS["cpe"], "ppp0") if a[0] == "inet"]

                guest.wait_until("IPCP is up", DIAL, up)
                rounds = []
                for round_ in range(BENCH_ROUNDS):
                    result = transfer(guest, f"bench-{name}-{round_}", "server", "0.0.0.0", "cpe", SERVER4,
                                      self.payload, stall=PATIENCE, repeat=BENCH_REPEAT)
                    result["intact"] = result["eof"] and result["sha256"] == self.bench_sha
                    rounds.append(result)
                    say(f"   {result['bytes']} bytes in {result['seconds']} s: {result['mbit_per_s']} Mbit/s, "
                        f"guest CPU busy {result.get('cpu_seconds')} s" + ("" if result["intact"] else " (INCOMPLETE)"))
                middle = len(rounds) // 2
                self.results["bench"][name] = {
                    "rounds": rounds,
                    "median_mbit_per_s": sorted(r["mbit_per_s"] for r in rounds)[middle],
                    "median_cpu_seconds": sorted(r.get("cpu_seconds", 0.0) for r in rounds)[middle]}
                self.check(all(r["intact"] for r in rounds), f"every transfer through {name} arrived whole")
            finally:
                if relay:
                    relay.stop()
                if cpe:
                    guest.stop(cpe, signal.SIGTERM, 10)
                self.stop_ac(ac)
        say(f"== throughput, server -> cpe over PPPoE, median of {BENCH_ROUNDS} (TCG: compare within this run only)")
        for name, bench in self.results["bench"].items():
            say(f"   {name:<12} {bench['median_mbit_per_s']:>8} Mbit/s, guest CPU busy {bench['median_cpu_seconds']} s "
                f"per {BENCH_REPEAT * PAYLOAD_BYTES >> 20} MiB")


def busy_seconds():
    """CPU time the whole guest spent not idle (every process, the kernel, softirqs), in seconds."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def module_loaded(name):
    with open("/proc/modules") as f:
        return any(line.split()[0] == name for line in f)


def device_mac(guest, ns, device):
    return guest.run(["cat", f"/sys/class/net/{device}/address"], NS[ns]).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scenario")
    s.add_argument("--relayctl", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--dataplane", action="append", choices=["kernel", "userspace", "auto"])
    s.add_argument("--skip-fallback", action="store_true")
    s.add_argument("--bench", action="store_true")
    s.add_argument("--bench-only", action="store_true")
    s.add_argument("--ac", choices=["kernel", "user"], default="kernel",
                   help="how the AC's pppd reaches its sessions: the kernel's PPPoE or rp-pppoe's pppoe")
    s.add_argument("--accel-ppp", metavar="PREFIX",
                   help="also run the scenario against accel-ppp installed in PREFIX (lab/vm/build-accel-ppp)")
    s.add_argument("--accel-only", action="store_true", help="only the accel-ppp part")
    s.add_argument("--accel-compare", action="store_true",
                   help="and accel-ppp through rp-pppoe's pppoe-relay, for comparison")
    v = sub.add_parser("serve")
    v.add_argument("--bind", required=True)
    v.add_argument("--port", type=int, required=True)
    v.add_argument("--file", required=True)
    v.add_argument("--timeout", type=float, default=60)
    v.add_argument("--repeat", type=int, default=1, help="send the file this many times")
    f = sub.add_parser("fetch")
    f.add_argument("--host", required=True)
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--deadline", type=float, default=60)
    f.add_argument("--stall", type=float, default=10)
    args = parser.parse_args()
    if args.command == "serve":
        return serve(args)
    if args.command == "fetch":
        return fetch(args)
    args.dataplane = [] if args.bench_only else args.dataplane or ["kernel", "userspace"]
    args.accel_dataplane = [d for d in args.dataplane if d != "auto"]
    if args.accel_only:
        args.dataplane, args.bench, args.skip_fallback = [], False, True
    args.bench = args.bench or args.bench_only
    args.skip_fallback = args.skip_fallback or args.bench_only
    os.makedirs(args.out, exist_ok=True)
    return Scenario(args).run()


if __name__ == "__main__":
    sys.exit(main())
