#!/usr/bin/python3
"""`relayctl check` against real pppd: run inside the lab's virtual machine (lab/vm/vm.py),
whose kernel has PPP and PPPoE.

Two network namespaces joined by a veth pair:

  checker [wan0] -- [ac-access] ac

- ac: rp-pppoe's pppoe-server running Debian's pppd in kernel mode (lab/vm/ac-pppd), which
  requires PAP, then CHAP-MD5, then MS-CHAPv2 of the subscriber, hands out an address and two
  DNS servers, and offers IPv6CP.
- checker: `relayctl check`, the password in $RELAYCTL_PASSWORD.

What runs, in order: a login with each authentication, the same with a wrong password, a check
for a service the AC does not offer, and one with no AC at all. Each report lands in
OUT/results.json (runs.NAME.status and .report, the check's own JSON), which
Tests/LabTests/AccountCheckVMTests.swift reads; the exit status is 0 when every check held.

  accountcheck.py --relayctl PATH --out DIR

Only the standard library; run with /usr/bin/python3 as root, in a guest of its own.
"""

import argparse
import json
import os
import shlex
import sys
import time

from guestlab import Failure, Guest, packet_socket_bound, say

HERE = os.path.dirname(os.path.abspath(__file__))
NS = {"checker": "acheck-checker", "ac": "acheck-ac"}
USER, SECRET, WRONG = "subscriber", "correct-horse", "battery-staple"
AC_NAME, SERVICE, AC_CHAP_NAME = "LabAC", "isp", "lab-ac"
PPP_LOCAL, PPP_POOL = "10.64.2.1", "10.64.2.2"
DNS = ["192.0.2.53", "192.0.2.54"]
AUTHENTICATIONS = {"pap": ("require-pap", "PAP"), "chap": ("require-chap", "CHAP-MD5"),
                   "mschapv2": ("require-mschap-v2", "MS-CHAPv2")}
CHECK_TIMEOUT = 60        # seconds of this guest's clock (TCG is several times slower than the host)


def pppd_pids(guest):
    """The pppd processes at the AC (the one pppoe-server started for the check's session)."""
    found = []
    for pid in guest.run(["ip", "netns", "pids", NS["ac"]], check=False).stdout.split():
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "pppd":
                    found.append(int(pid))
        except OSError:
            pass
    return found


def configure_ppp(guest):
    """/etc/ppp of the guest: the secrets only (a tmpfs over the host's)."""
    if not os.path.ismount("/etc/ppp"):
        guest.run(["mount", "-t", "tmpfs", "-o", "mode=755", "acheck-ppp", "/etc/ppp"])
    with open("/etc/ppp/options", "w") as f:
        f.write("# the VM lab's pppd options: everything is on each pppd's command line\n")
    for name in ["pap-secrets", "chap-secrets"]:
        with open(f"/etc/ppp/{name}", "w") as f:
            f.write(f"{USER} {AC_CHAP_NAME} {SECRET} *\n")
        os.chmod(f"/etc/ppp/{name}", 0o600)


def build_network(guest):
    guest.cleanup()
    for ns in NS.values():
        guest.run(["ip", "netns", "add", ns])
        guest.run(["ip", "-n", ns, "link", "set", "lo", "up"])
    guest.run(["ip", "link", "add", "wan0", "netns", NS["checker"], "type", "veth", "peer", "name", "ac-access",
               "netns", NS["ac"]])
    guest.run(["ip", "-n", NS["checker"], "link", "set", "wan0", "up"])
    guest.run(["ip", "-n", NS["ac"], "link", "set", "ac-access", "up"])


def start_ac(guest, tag, requirement):
    options = guest.path(f"{tag}-ac-options")
    with open(options, "w") as f:
        f.write("\n".join([
            requirement, f"name {AC_CHAP_NAME}", "+ipv6", "ipv6 ::1,::2", f"ms-dns {DNS[0]}", f"ms-dns {DNS[1]}",
            "mtu 1492", "mru 1492", "novj", "nodeflate", "nobsdcomp", "noccp", "nodefaultroute",
            f"logfile {guest.path(tag + '-ac-pppd.log')}", ""]))
    server = guest.spawn(f"{tag}-pppoe-server", [
        "pppoe-server", "-F", "-I", "ac-access", "-C", AC_NAME, "-S", SERVICE, "-L", PPP_LOCAL, "-R", PPP_POOL,
        "-N", "4", "-O", options, "-q", os.path.join(HERE, "ac-pppd")], NS["ac"])
    guest.wait_until("pppoe-server listens", 20,
                     lambda: server.poll() is not None or packet_socket_bound(guest, NS["ac"], 0x8863))
    if server.poll() is not None:
        raise Failure(f"pppoe-server exited: {guest.text(tag + '-pppoe-server.err')}")
    return server


class Scenario:
    def __init__(self, args):
        self.args = args
        self.guest = Guest(args.out, NS.values(), 120)
        self.results = {"kernel_release": os.uname().release, "runs": {}, "failures": []}

    def expect(self, condition, what):
        say(("   ok: " if condition else "   FAILED: ") + what)
        if not condition:
            self.results["failures"].append(what)
        return condition

    def check(self, tag, password, extra=(), timeout=CHECK_TIMEOUT, text=False):
        """relayctl check in the checker namespace, once with --json (the facts, recorded under
        `tag`) and, with `text`, once more as people read it. Each starts with no pppd left at the AC,
        so each gets the pool's first address."""
        env = dict(os.environ, RELAYCTL_PASSWORD=password)
        args = [self.args.relayctl, "check", "--interface", "wan0", "--user", USER, "--timeout", str(timeout)] \
            + list(extra)
        record = {}
        for form in (["--json"], []) if text else (["--json"],):
            self.guest.wait_until("no pppd left at the AC", 30, lambda: not pppd_pids(self.guest))
            started = time.monotonic()
            done = self.guest.run(args + form, NS["checker"], timeout=timeout + 30, check=False, env=env)
            seconds = round(time.monotonic() - started, 1)
            if form:
                try:
                    record["report"] = json.loads(done.stdout)
                except ValueError:
                    record["report"] = {"unparsable": done.stdout}
                record.update(status=done.returncode, seconds=seconds, stderr=done.stderr)
                say(f"   relayctl check {shlex.join(extra)} --json: exit {done.returncode} in {seconds} s, "
                    f"codes {self.codes(record['report'])}")
            else:
                record["text"] = done.stdout
                for line in done.stdout.splitlines():
                    say("   | " + line)
        self.results["runs"][tag] = record
        return record["status"], record["report"]

    def run(self):
        guest = self.guest
        started = time.monotonic()
        try:
            say(f"== guest: Linux {os.uname().release}, {os.cpu_count()} CPUs (TCG)")
            for module in ["pppoe", "ppp_async"]:
                guest.run(["modprobe", module])
            configure_ppp(guest)
            build_network(guest)
            for tag, (requirement, name) in AUTHENTICATIONS.items():
                self.login(tag, requirement, name)
            self.unknown_service()
            self.no_ac()
        except Failure as e:
            self.results["failures"].append(str(e))
            say(f"== FAILED, cannot go on: {e}")
        finally:
            self.results["seconds"] = round(time.monotonic() - started, 1)
            with open(guest.path("results.json"), "w") as f:
                json.dump(self.results, f, indent=1, sort_keys=True)
            guest.cleanup()
        return 0 if not self.results["failures"] else 1

    def codes(self, report):
        return [step.get("code") for step in report.get("steps", [])]

    def login(self, tag, requirement, name):
        guest = self.guest
        say(f"== {name}: pppd requires {requirement}; relayctl check with the right password, then a wrong one")
        server = start_ac(guest, tag, requirement)
        try:
            status, report = self.check(tag, SECRET, ["--service", SERVICE], text=tag == "mschapv2")
            self.expect(status == 0 and report.get("result") == "success", f"{name}: the check succeeds")
            steps = {step["code"]: step for step in report.get("steps", [])}
            self.expect(steps.get(4, {}).get("authentication") == name, f"{name}: authenticated with {name}")
            self.expect(steps.get(5, {}).get("address") == PPP_POOL and steps.get(5, {}).get("dns") == DNS,
                        f"{name}: IPCP gave {PPP_POOL} and DNS {' '.join(DNS)}")
            self.expect(6 in steps, f"{name}: IPv6CP opened")
            self.expect(self.codes(report)[-1:] == [8], f"{name}: hung up last")
            guest.wait_until("the AC's pppd has exited after the hang-up", 30, lambda: not pppd_pids(guest))
            log = guest.text(f"{tag}-ac-pppd.log")
            self.expect("LCP terminated by peer" in log or "Connection terminated" in log,
                        f"{name}: the AC's pppd saw the link terminated")
            status, report = self.check(tag + "-wrong", WRONG, ["--service", SERVICE], text=tag == "mschapv2")
            steps = {step["code"]: step for step in report.get("steps", [])}
            self.expect(status == 1 and report.get("code") == 26, f"{name}: a wrong password fails with code 26")
            self.expect(bool(steps.get(26, {}).get("message")) or name == "PAP",
                        f"{name}: the failure carries the AC's message ({steps.get(26, {}).get('message')!r})")
            guest.wait_until("the AC's pppd has exited after the refusal", 30, lambda: not pppd_pids(guest))
        finally:
            guest.stop(server)

    def unknown_service(self):
        say("== a service the AC does not offer")
        server = start_ac(self.guest, "service", "require-pap")
        try:
            status, report = self.check("unknown-service", SECRET, ["--service", "no-such-service"], timeout=8,
                                        text=True)
            self.expect(status == 1 and report.get("code") == 21, "an unknown service fails with code 21")
        finally:
            self.guest.stop(server)

    def no_ac(self):
        say("== no access concentrator")
        status, report = self.check("no-ac", SECRET, ["--service", SERVICE], timeout=5, text=True)
        self.expect(status == 1 and report.get("code") == 20, "no AC fails with code 20")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--relayctl", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return Scenario(args).run()


if __name__ == "__main__":
    sys.exit(main())
