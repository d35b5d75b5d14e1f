"""What every VM-lab scenario needs to run things in the guest: one account of what happened
(`say`), the error that ends a scenario (`Failure`), and `Guest`, which runs and spawns
commands in network namespaces and stops and deletes all of them at the end. Scenarios import
it from beside them (lab/vm is the script's own directory, first on sys.path)."""

import json
import os
import shlex
import signal
import subprocess
import time

STARTED = time.monotonic()


class Failure(Exception):
    pass


def say(text):
    """One line of the running account; section heads carry the guest's elapsed seconds."""
    if text.startswith("== "):
        text = f"== [{time.monotonic() - STARTED:6.1f} s] {text[3:]}"
    print(text, flush=True)


class Guest:
    """Processes and namespaces of one scenario; everything is stopped and deleted in cleanup()."""

    def __init__(self, out, namespaces, command_timeout=30):
        self.out = out
        self.namespaces = list(namespaces)
        self.command_timeout = command_timeout
        self.processes = []

    def path(self, name):
        return os.path.join(self.out, name)

    def run(self, args, ns=None, timeout=None, check=True, env=None):
        full = (["ip", "netns", "exec", ns] if ns else []) + list(args)
        timeout = timeout or self.command_timeout
        try:
            done = subprocess.run(full, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                                  env=env)
        except subprocess.TimeoutExpired:
            raise Failure(f"timed out after {timeout} s: {shlex.join(full)}")
        if check and done.returncode != 0:
            raise Failure(f"failed ({done.returncode}): {shlex.join(full)}: "
                          f"{done.stderr.strip()} {done.stdout.strip()}")
        return done

    def spawn(self, name, args, ns=None):
        full = (["ip", "netns", "exec", ns] if ns else []) + list(args)
        with open(self.path(name + ".out"), "w") as stdout, open(self.path(name + ".err"), "w") as stderr:
            process = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def text(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_until(self, what, timeout, condition, interval=0.1):
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise Failure(f"timed out after {timeout} s waiting until {what}")
            time.sleep(interval)

    def stop(self, process, sig=signal.SIGTERM, timeout=15):
        """Signals a process (and its group) and waits for it; SIGKILL at the deadline."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        return process.returncode

    def json(self, args, ns=None):
        return json.loads(self.run(args, ns).stdout)

    def cleanup(self):
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for process in self.processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for ns in self.namespaces:
            for pid in self.run(["ip", "netns", "pids", ns], check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            self.run(["ip", "netns", "del", ns], check=False)


def packet_socket_bound(guest, ns, ethertype):
    """Whether some process in `ns` has a packet socket bound to `ethertype` (/proc/net/packet)."""
    lines = guest.run(["cat", "/proc/net/packet"], ns).stdout.splitlines()[1:]
    return any(len(fields) > 4 and fields[3].lower() == "%04x" % ethertype for fields in map(str.split, lines))
