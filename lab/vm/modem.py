#!/usr/bin/python3
"""Real PPP through `relayctl modem`: run inside the lab's virtual machine (lab/vm/vm.py), whose
kernel has PPP and PPPoE.

  cpe [cpe-wan] -- [lan0] relay: relayctl modem <-> pty <-> modem emulator, then the ISP's pppd

- cpe: a subscriber's pppd with its PPPoE plugin (kernel-mode PPPoE), asking for an address.
- relay: `relayctl modem` on lan0, its serial device one side of a pseudo-terminal pair; on the
  other side lab/modem_lab.py answers the chat (AT, ATD*99#, CONNECT after a delay) and then
  hands the line to Debian's pppd (`notty`, async HDLC on the pty), which plays the mobile
  network: it hands out 10.99.0.2 and asks, as pppd on a serial line does, for an ACCM.

Checked: the cpe's pppd gets 10.99.0.2 and pings 10.99.0.1 across; `relayctl sessions` shows the
session connected; the relay rejected the ACCM toward the modem's pppd; stopping the cpe's pppd
(PADT) hangs the modem up and the network's pppd ends. Facts land in OUT/results.json; exit 0
when every check held.

  modem.py --relayctl PATH --out DIR

Only the standard library; run with /usr/bin/python3 as root, in a guest of its own.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODEM_LAB = os.path.join(os.path.dirname(HERE), "modem_lab.py")
PYTHON = "/usr/bin/python3"
CPE, RELAY = "vmmodem-cpe", "vmmodem-relay"
NETWORK, SUBSCRIBER = "10.99.0.1", "10.99.0.2"
DEADLINE = 120   # seconds of the guest's clock (TCG is slow): discovery, chat, LCP, IPCP


def run(command, check=True):
    out = subprocess.run(command, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(command), out.stderr.strip()))
    return out


def wait_until(what, seconds, condition):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    print("timed out waiting until " + what, flush=True)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relayctl", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = args.out
    facts = {"checks": {}}
    processes = []

    def check(name, ok, detail=""):
        facts["checks"][name] = bool(ok)
        print("%s %s %s" % ("ok  " if ok else "FAIL", name, detail), flush=True)

    def spawn(name, command, namespace):
        log = open(os.path.join(out, name + ".log"), "w")
        process = subprocess.Popen(["ip", "netns", "exec", namespace] + command, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    try:
        # PPP, its async line discipline (the network's pppd on the pty) and PPPoE (the cpe's plugin).
        for module in ("ppp_generic", "ppp_async", "pppoe"):
            run(["modprobe", module])
        check("/dev/ppp exists", os.path.exists("/dev/ppp"))
        if not os.path.ismount("/etc/ppp"):
            run(["mount", "-t", "tmpfs", "-o", "mode=755", "vmmodem-ppp", "/etc/ppp"])
        with open("/etc/ppp/options", "w") as f:
            f.write("# the modem lab's pppd options are on each command line\n")
        for namespace in (CPE, RELAY):
            run(["ip", "netns", "add", namespace])
            run(["ip", "-n", namespace, "link", "set", "lo", "up"])
        run(["ip", "link", "add", "cpe-wan", "netns", CPE, "type", "veth", "peer", "name", "lan0", "netns", RELAY])
        run(["ip", "-n", CPE, "link", "set", "cpe-wan", "up"])
        run(["ip", "-n", RELAY, "link", "set", "lan0", "up"])

        tty = os.path.join(out, "modem-tty")
        network_pppd = ("pppd notty noauth local nodetach nodefaultroute %s:%s mtu 1492 mru 1492 novj noccp "
                        "lcp-echo-interval 5 lcp-echo-failure 4 logfile %s"
                        % (NETWORK, SUBSCRIBER, os.path.join(out, "network-pppd.log")))
        spawn("modem", [PYTHON, MODEM_LAB, "emulator", "--link", tty, "--log", os.path.join(out, "modem-events.log"),
                        "--connect-delay", "1", "--exec-after-connect", network_pppd], RELAY)
        wait_until("the emulator's pty exists", 30, lambda: os.path.islink(tty))
        runtime = os.path.join("/run", "vmmodem")
        relay = spawn("relay", [args.relayctl, "modem", "--lan", "lan0", "--device", tty, "--ac-name", "vm-modem",
                                "--service", "internet", "--runtime-dir", runtime, "--log", "stderr", "--verbose"], RELAY)
        check("relay answers status", wait_until("the relay answers", 60, lambda: run(
            ["ip", "netns", "exec", RELAY, args.relayctl, "status", "--runtime-dir", runtime], check=False).returncode == 0))

        cpe = spawn("cpe-pppd", ["pppd", "plugin", "pppoe.so", "nic-cpe-wan", "rp_pppoe_service", "internet",
                                 "noauth", "nodetach", "maxfail", "1", "unit", "0", "noipdefault", "defaultroute",
                                 "mtu", "1492", "mru", "1492", "novj", "noccp", "lcp-echo-interval", "5",
                                 "lcp-echo-failure", "4", "logfile", os.path.join(out, "cpe-pppd.log")], CPE)

        def address():
            text = run(["ip", "-n", CPE, "-4", "addr", "show", "dev", "ppp0"], check=False).stdout
            return SUBSCRIBER if (" %s" % SUBSCRIBER) in text else None

        check("cpe pppd got its address through relay and modem", wait_until("ppp0 has 10.99.0.2", DEADLINE, address),
              run(["ip", "-n", CPE, "addr", "show", "dev", "ppp0"], check=False).stdout)
        facts["address"] = address()
        ping = run(["ip", "netns", "exec", CPE, "ping", "-c", "3", "-W", "10", NETWORK], check=False)
        check("cpe pings the network's end across the modem", ping.returncode == 0, ping.stdout[-300:])
        sessions = json.loads(run(["ip", "netns", "exec", RELAY, args.relayctl, "sessions", "--json",
                                   "--runtime-dir", runtime]).stdout)["sessions"]
        facts["sessions"] = sessions
        check("relayctl sessions shows it connected", len(sessions) == 1 and sessions[0].get("modem_state") == "connected")
        status = json.loads(run(["ip", "netns", "exec", RELAY, args.relayctl, "status", "--json",
                                 "--runtime-dir", runtime]).stdout)
        facts["status"] = status
        check("the relay rejected the network pppd's ACCM", status["counters"].get("lcp_options_rejected", 0) >= 1)

        cpe.send_signal(signal.SIGTERM)
        cpe_ended = wait_until("the cpe's pppd ends", 60, lambda: cpe.poll() is not None)
        check("cpe pppd ended", cpe_ended)

        def network_pppd_gone():
            for pid in run(["ip", "netns", "pids", RELAY], check=False).stdout.split():
                try:
                    if open("/proc/%s/comm" % pid).read().strip() == "pppd":
                        return False
                except OSError:
                    pass
            return True
        check("the network's pppd ended when the relay hung up", wait_until("the network's pppd ends", 60,
                                                                            network_pppd_gone))
        state = json.loads(run(["ip", "netns", "exec", RELAY, args.relayctl, "status", "--json", "--runtime-dir",
                                runtime]).stdout)["modem"]["state"]
        check("status says hung up", state == "hung up", state)
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=30)
    except Exception as error:  # noqa: BLE001 - every failure is a fact for the test
        facts["error"] = str(error)
        print("FAIL " + str(error), flush=True)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        for namespace in (CPE, RELAY):
            for pid in run(["ip", "netns", "pids", namespace], check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", namespace], check=False)
        for name in ("cpe-pppd.log", "network-pppd.log", "relay.log", "modem.log"):
            path = os.path.join(out, name)
            if os.path.exists(path):
                facts.setdefault("logs", {})[name] = open(path, errors="replace").read()[-4000:]
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump(facts, f, indent=1)
    ok = "error" not in facts and all(facts["checks"].values()) and len(facts["checks"]) >= 9
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
