#!/usr/bin/env python3
"""Samples one device's rx_packets every --interval seconds until killed (or --seconds pass),
printing 'monotonic-seconds packets' per line: run inside a namespace by scripts/bench-scale, which
reads gaps in delivery and PADT arrivals from it. Both samplers of a run share CLOCK_MONOTONIC."""
import argparse, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--iface", required=True)
parser.add_argument("--interval", type=float, default=0.01)
parser.add_argument("--seconds", type=float, default=600)
parser.add_argument("--out", required=True)
args = parser.parse_args()

path = "/sys/class/net/%s/statistics/rx_packets" % args.iface
end = time.monotonic() + args.seconds
with open(args.out, "w", buffering=1) as out:
    while time.monotonic() < end:
        with open(path) as counter:
            out.write("%.4f %s\n" % (time.monotonic(), counter.read().strip()))
        time.sleep(args.interval)
