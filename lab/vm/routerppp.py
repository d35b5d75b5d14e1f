#!/usr/bin/python3
"""Real PPP across the relay on another architecture's guest (lab/vm/vm.py --arch aarch64), with the
x86_64 lab's own scenario: lab/vm/realppp.py's network, peers and checks, imported, not copied.

  routerppp.py --relay PATH --out DIR [--payload-mib N] [--dataplane kernel|userspace ...]

- PATH a relayctl (the router build, .build-router/aarch64-glibc/relayctl): realppp.py's scenario
  as it is, on each dataplane (a wrong password refused, CHAP login, IPCP and IPv6CP, pings both
  ways, the clamped transfer arriving whole with its SHA-256 and the unclamped one stalling,
  `relayctl sessions` against the PPP devices' counters, PADT both ways at stop), and before that
  `--dataplane auto` without and with nft_fwd_netdev; no benchmark. The payload is N MiB (8 by
  default) instead of 24: this guest is emulated instruction by instruction.
- PATH rp-pppoe's pppoe-relay (a stand-in until relayctl is built for the architecture): the same
  network and peers, and what a relay with no control socket can show: CHAP login, IPCP, pings
  both ways, N MiB from the server to the cpe arriving whole (pppoe-relay does not clamp the MSS,
  so not to the host behind the cpe), and at the cpe's pppd's stop both pppd ending and the AC's
  PADT crossing the relay to the cpe.

Results land in DIR/results.json as realppp.py writes them, plus `arch`, `relay` and, for the
stand-in, `standin`. Exit status 0 when every check held.
"""

import argparse
import json
import os
import platform
import resource
import signal
import sys
import time

import realppp
from guestlab import Failure, say
from realppp import NS, PPP_LOCAL, POOL, SERVER4, SECRET


class StandInScenario(realppp.Scenario):
    """realppp.Scenario's setting up, checks and results, with pppoe-relay in the relay's place."""

    def __init__(self, args):
        super().__init__(args)
        args.dataplane, args.bench = [], False
        self.results["standin"] = {}

    def fallback(self):
        """The scenario's first part (with no dataplanes and no benchmark, its only one)."""
        self.standin()

    def standin(self):
        guest, tag, facts = self.guest, "standin", self.results["standin"]
        say("== pppoe-relay -S wan0 -C lan0 in the relay's place")
        ac, relay, cpe = realppp.start_ac(guest, tag, self.args.ac), None, None
        try:
            relay = realppp.Relay(guest, "pppoe-relay", None, tag)
            say("== pppd logs in (CHAP) through pppoe-relay")
            dialled = time.monotonic()
            cpe = realppp.start_cpe(guest, tag, SECRET)

            def ipcp_up():
                if cpe.poll() is not None:
                    raise Failure(f"pppd exited {cpe.returncode}: {guest.text(tag + '-cpe-pppd.log')[-2000:]}")
                return [a for a in realppp.addresses(guest, NS["cpe"], "ppp0") if a[0] == "inet"]

            v4 = guest.wait_until("IPCP gives the cpe its address", realppp.DIAL, ipcp_up)
            facts["dial_seconds"] = round(time.monotonic() - dialled, 2)
            cpe_log = guest.text(tag + "-cpe-pppd.log")
            ac_ppp = guest.wait_until("the AC's ppp device", 10, lambda: realppp.ppp_device(guest, NS["ac"]))
            ac_v4 = [a for a in realppp.addresses(guest, NS["ac"], ac_ppp) if a[0] == "inet"]
            facts["chap_succeeded"] = "CHAP authentication succeeded" in cpe_log
            facts["ipcp"] = {"local": v4[0][1], "peer": v4[0][2], "ac_local": ac_v4[0][1] if ac_v4 else None,
                             "ac_peer": ac_v4[0][2] if ac_v4 else None}
            say(f"   IPCP: cpe ppp0 {v4[0][1]} peer {v4[0][2]} after {facts['dial_seconds']} s; "
                f"AC {ac_ppp} {facts['ipcp']['ac_local']} peer {facts['ipcp']['ac_peer']}")
            ipcp = facts["ipcp"]
            self.check(facts["chap_succeeded"] and ipcp["local"] in POOL and ipcp["peer"] == PPP_LOCAL
                       and ipcp["ac_local"] == PPP_LOCAL and ipcp["ac_peer"] == ipcp["local"],
                       f"CHAP succeeded and IPCP gave the cpe {ipcp['local']} from the AC's pool (peer {PPP_LOCAL})")

            say("== ping both ways across the session")
            facts["ping"] = {}
            for name, ns, target in [("cpe_to_ac", "cpe", PPP_LOCAL), ("ac_to_cpe", "ac", ipcp["local"]),
                                     ("cpe_to_server", "cpe", SERVER4)]:
                done = guest.run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "5", target], NS[ns], check=False,
                                 timeout=30)
                facts["ping"][name] = done.returncode == 0
                summary = next((line for line in done.stdout.splitlines() if "packets transmitted" in line), "")
                say(f"   {name.replace('_', ' ')} ({target}): {summary or done.stderr.strip()}")
            self.check(all(facts["ping"].values()), "every ping was answered")

            payload = realppp.PAYLOAD_BYTES
            say(f"== {payload >> 20} MiB server -> cpe over TCP through pppoe-relay")
            result = realppp.transfer(guest, tag + "-tcp", "server", "0.0.0.0", "cpe", SERVER4, self.payload,
                                      stall=realppp.PATIENCE)
            result["intact"] = result["eof"] and result["bytes"] == payload and result["sha256"] == self.payload_sha
            facts["transfer"] = result
            say(f"   {result['bytes']} bytes in {result['seconds']} s ({result['mbit_per_s']} Mbit/s), SHA-256 "
                + ("matches" if result["intact"] else f"{result['sha256']} (sent {self.payload_sha})"))
            self.check(result["intact"], "the transfer arrived whole (SHA-256)")

            # pppd ends the session with LCP; the AC's pppoe-server then sends its PADT (Generic-Error
            # "RP-PPPoE: Child pppd process terminated"), which pppoe-relay carries to the cpe. (A packet
            # socket bound to one EtherType sees only frames that arrive, so the cpe's side is watched.)
            say("== the cpe's pppd stops: LCP ends the session, the AC's PADT crosses pppoe-relay to the cpe")
            log = f"{tag}-sniff-cpe.log"
            sniffer = guest.spawn(f"{tag}-sniff-cpe", [realppp.PYTHON, realppp.PPPOE_LAB, "sniff", "--iface", "cpe-wan",
                                                        "--log", guest.path(log), "--ethertype", "0x8863",
                                                        "--seconds", "60"], NS["cpe"])
            guest.wait_until("the sniffer is ready", 20, lambda: "ready" in guest.text(log) or sniffer.poll() is not None)
            ac_pids = realppp.ac_pppd_pids(guest)
            stopped = time.monotonic()
            guest.stop(cpe, signal.SIGTERM, realppp.PPPD_EXIT)
            try:
                guest.wait_until("the AC's pppd exits", realppp.PPPD_EXIT, lambda: not realppp.ac_pppd_pids(guest))
                guest.wait_until("a PADT reaches the cpe", 10, lambda: '"code": 167' in guest.text(log))
            except Failure:
                pass
            guest.stop(sniffer, signal.SIGTERM, 5)
            frames = [json.loads(line) for line in guest.text(log).splitlines() if line]
            padts = [f for f in frames if f.get("event") == "frame" and f.get("code") == 0xA7]
            errors = [bytes.fromhex(p.get("tags", {}).get("0x0203", "")).decode(errors="replace") for p in padts]
            facts["stop"] = {"seconds": round(time.monotonic() - stopped, 2), "padt_frames_at_cpe": len(padts),
                             "padt_generic_error": errors, "cpe_pppd_exit": cpe.returncode,
                             "ac_pppd_was": len(ac_pids), "ac_pppd_left": len(realppp.ac_pppd_pids(guest)),
                             "cpe_log_tail": guest.text(tag + "-cpe-pppd.log").splitlines()[-4:],
                             "ac_log_tail": guest.text(tag + "-ac-pppd.log").splitlines()[-4:]}
            for line in facts["stop"]["ac_log_tail"][-3:]:
                say("   AC pppd: " + line)
            for error in errors:
                say(f"   PADT at the cpe, Generic-Error {error!r}")
            self.check(len(padts) >= 1 and cpe.returncode is not None and facts["stop"]["ac_pppd_was"] == 1
                       and facts["stop"]["ac_pppd_left"] == 0,
                       f"both pppd ended (cpe exit {cpe.returncode}, AC pppd {facts['stop']['ac_pppd_was']} -> "
                       f"{facts['stop']['ac_pppd_left']}) and the AC's PADT reached the cpe ({len(padts)})")
            facts["relay_exit"] = relay.stop()
        finally:
            if relay:
                relay.stop()
            if cpe:
                guest.stop(cpe, signal.SIGKILL, 5)
            self.stop_ac(ac)
            self.save()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--relay", required=True, help="relayctl, or rp-pppoe's pppoe-relay as a stand-in")
    parser.add_argument("--out", required=True)
    parser.add_argument("--payload-mib", type=int, default=8)
    parser.add_argument("--dataplane", action="append", choices=["kernel", "userspace"])
    parser.add_argument("--ac", choices=["kernel", "user"], default="kernel")
    args = parser.parse_args()
    realppp.PAYLOAD_BYTES = args.payload_mib << 20
    standin = os.path.basename(args.relay) == "pppoe-relay"
    scenario_args = argparse.Namespace(relayctl=args.relay, out=args.out, dataplane=args.dataplane or
                                       ["kernel", "userspace"], skip_fallback=False, bench=False, ac=args.ac,
                                       # accel-ppp is the x86_64 lab's second AC; not built for arm64.
                                       accel_ppp=None, accel_dataplane=[], accel_compare=False)
    os.makedirs(args.out, exist_ok=True)
    # A relay that crashes leaves its core in the results, for gdb-multiarch on the host.
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    with open("/proc/sys/kernel/core_pattern", "w") as f:
        f.write(os.path.join(os.path.abspath(args.out), "core.%e.%p"))
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    say(f"== {platform.machine()} guest up for {uptime:.1f} s, relay {args.relay}" + (" (stand-in for relayctl)" if standin else ""))
    scenario = (StandInScenario if standin else realppp.Scenario)(scenario_args)
    scenario.results.update(arch=platform.machine(), relay="pppoe-relay" if standin else "relayctl")
    return scenario.run()


if __name__ == "__main__":
    sys.exit(main())
