#!/usr/bin/python3
"""Boots Debian's own distribution kernel in a QEMU virtual machine and runs one command in it.

The guest sees this machine's root file system read-only over 9p (so every program, library and
the relayctl under test are the ones built here), a writable work directory of the caller's
shared at /run/vmlab/work, tmpfs on /tmp and /run, and the kernel's modules from the cache that
scripts/setup fills. Nothing is installed into /boot or /lib/modules of this machine.

  vm.py check [--arch A]            says whether a VM can start here; exit 77 with the reason if not
  vm.py run --work DIR [--arch A] [--share DIR]... [--timeout S] [--memory MB] [--cpus N] -- COMMAND [ARG...]
                                    boots, runs COMMAND as root in the guest (output on our stdout),
                                    powers off; exits with COMMAND's status

--arch aarch64 boots Debian's arm64 kernel on `qemu-system-aarch64 -M virt` instead, with a root
made from Debian's arm64 packages (lab/vm/arm64root.py, cached) in place of this machine's: read-only
over 9p under a tmpfs overlay, so the guest can write anywhere. This checkout, and each --share
directory, is mounted read-only at its own path, so the lab's scripts and the binary under test are
where they are here.

Exit codes of `run`: COMMAND's own, 77 when no VM can start here (the reason on stderr), 124 when
the VM did not finish in time (killed), 125 when the VM died before COMMAND finished.

The guest boots from a small initramfs built here for every run (busybox, the virtio and 9p
modules): it mounts the host's root and switches to lab/vm/guest-init, which sets the guest up
and runs the command. Runs under TCG: KVM is not usable on every machine this runs on, and TCG
behaves the same everywhere.
"""

import argparse
import os
import selectors
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST_INIT = os.path.join(HERE, "guest-init")
CACHE = os.environ.get("PPPOE_RELAY_VMLAB_CACHE", "/var/cache/pppoe-relay-vmlab")
SKIP = 77
TIMED_OUT = 124
DIED = 125

# What the initramfs loads to reach the host's root: virtio over PCI and 9p (modules in
# Debian's kernel), in dependency order as modprobe reports it.
BOOT_MODULES = ["virtio_pci", "9pnet_virtio", "9p"]
# The aarch64 machine also lays a tmpfs over its read-only root.
ARM64_BOOT_MODULES = BOOT_MODULES + ["overlay"]
CHECKOUT = os.path.dirname(os.path.dirname(HERE))
SEARCH_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin"


class CannotStart(Exception):
    """No VM can start here; the message says why and what installs the missing piece."""


def tool(name, package):
    path = shutil.which(name, path=SEARCH_PATH)
    if not path:
        raise CannotStart(f"{name} is missing (Debian package {package}): run scripts/setup")
    return path


def kernel():
    """The cached kernel: (version, vmlinuz, module root). scripts/setup writes CACHE/current."""
    try:
        with open(os.path.join(CACHE, "current")) as f:
            version = f.read().strip()
    except OSError:
        raise CannotStart(f"no Debian kernel in {CACHE}: run scripts/setup (downloads linux-image-amd64's kernel once)")
    tree = os.path.join(CACHE, version, "root")
    vmlinuz = os.path.join(tree, "boot", "vmlinuz-" + version)
    modules = os.path.join(tree, "lib", "modules", version)
    if not (os.path.isfile(vmlinuz) and os.path.isfile(os.path.join(modules, "modules.dep.bin"))):
        raise CannotStart(f"the kernel cache {os.path.join(CACHE, version)} is incomplete: run scripts/setup")
    return version, vmlinuz, tree


def requirements(arch="x86_64"):
    """Everything a run needs, or CannotStart naming the first thing missing."""
    if arch == "aarch64":
        return arm64_requirements()
    if os.geteuid() != 0:
        raise CannotStart("the VM lab needs root (the guest shares this root file system as root)")
    qemu = tool("qemu-system-x86_64", "qemu-system-x86")
    busybox = tool("busybox", "busybox-static")
    modprobe = tool("modprobe", "kmod")
    if subprocess.run(["ldd", busybox], capture_output=True).returncode == 0:
        raise CannotStart(f"{busybox} is dynamically linked; the initramfs needs busybox-static (scripts/setup)")
    version, vmlinuz, tree = kernel()
    return qemu, busybox, modprobe, version, vmlinuz, tree


# ---------------------------------------------------------------- the initramfs

class Cpio:
    """A newc ("070701") cpio archive, the format the kernel unpacks as an initramfs."""

    def __init__(self):
        self.data = bytearray()
        self.inode = 1

    def _entry(self, name, mode, body=b""):
        name_bytes = name.encode() + b"\0"
        fields = [self.inode, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(name_bytes), 0]
        self.inode += 1
        self.data += b"070701" + b"".join(b"%08x" % v for v in fields) + name_bytes
        self.data += b"\0" * (-len(self.data) % 4)
        self.data += body
        self.data += b"\0" * (-len(self.data) % 4)

    def directory(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, body, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, body)

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def module_files(modprobe, tree, version, modules=BOOT_MODULES):
    """The .ko files `modules` need, each once, dependencies first."""
    files = []
    for module in modules:
        out = subprocess.run([modprobe, "-d", tree, "-S", version, "--show-depends", module],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise CannotStart(f"modprobe cannot resolve {module} in {tree}: {out.stderr.strip()}")
        for line in out.stdout.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "insmod" and words[1] not in files:
                files.append(words[1])
    return files


def busybox_and_modules(busybox, modprobe, tree, version, modules, directories):
    """An initramfs's start: `directories`, busybox, and the modules' files under /modules; with
    the modules' file names, in the order to load them."""
    archive = Cpio()
    for directory in ["bin", "dev", "proc", "sys", "modules", "newroot"] + directories:
        archive.directory(directory)
    with open(busybox, "rb") as f:
        archive.file("bin/busybox", f.read(), 0o755)
    names = []
    for path in module_files(modprobe, tree, version, modules):
        with open(path, "rb") as f:
            archive.file("modules/" + os.path.basename(path), f.read())
        names.append(os.path.basename(path))
    return archive, names


def initramfs(busybox, modprobe, tree, version):
    """PID 1 of the initramfs: load the modules, mount the host's root, hand over to guest-init."""
    archive, names = busybox_and_modules(busybox, modprobe, tree, version, BOOT_MODULES, [])
    init = f"""#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc
$b mount -t devtmpfs dev /dev
for m in {' '.join(names)}; do $b insmod /modules/$m || echo "vm: insmod $m failed"; done
# The host's root, read-only; 9p over virtio (mount tag hostroot).
if ! $b mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /newroot; then
  echo "vm: cannot mount the host's root over 9p"; $b poweroff -f
fi
$b umount /proc
$b mount --move /dev /newroot/dev
exec $b switch_root /newroot {shlex.quote(GUEST_INIT)}
"""
    archive.file("init", init.encode(), 0o755)
    return archive.finish()


# ---------------------------------------------------------------- the aarch64 machine

def arm64_requirements():
    if os.geteuid() != 0:
        raise CannotStart("the VM lab needs root (9p shares with the guest's root as root)")
    qemu = tool("qemu-system-aarch64", "qemu-system-arm")
    modprobe = tool("modprobe", "kmod")
    out = subprocess.run([sys.executable, os.path.join(HERE, "arm64root.py"), "path"], capture_output=True, text=True)
    if out.returncode != 0:
        raise CannotStart(out.stdout.strip() or out.stderr.strip())
    tree = out.stdout.strip()
    versions = sorted(os.listdir(os.path.join(tree, "lib", "modules")))
    version = versions[-1] if versions else ""
    vmlinuz = os.path.join(tree, "boot", "vmlinuz-" + version)
    if not os.path.isfile(vmlinuz):
        raise CannotStart(f"no arm64 kernel in {tree}: run scripts/setup")
    return qemu, os.path.join(tree, "bin", "busybox"), modprobe, version, vmlinuz, tree


def arm64_initramfs(busybox, modprobe, tree, version, shares):
    """PID 1 of the aarch64 initramfs: the arm64 root read-only over 9p under a tmpfs overlay, the
    shared directories at their own paths, then guest-init (from this checkout, shared too)."""
    archive, names = busybox_and_modules(busybox, modprobe, tree, version, ARM64_BOOT_MODULES, ["lower", "rw"])
    mounts = "".join(f"$b mkdir -p /newroot{shlex.quote(path)} && $b mount -t 9p -o trans=virtio,version=9p2000.L,ro,"
                     f"msize=262144,cache=loose share{n} /newroot{shlex.quote(path)} || fail 'cannot mount {path}'\n"
                     for n, path in enumerate(shares))
    init = f"""#!/bin/busybox sh
b=/bin/busybox
fail() {{ echo "vm: $*"; $b poweroff -f; }}
$b mount -t proc proc /proc
$b mount -t devtmpfs dev /dev
for m in {' '.join(names)}; do $b insmod /modules/$m || echo "vm: insmod $m failed"; done
$b mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose arm64root /lower || fail "cannot mount the arm64 root over 9p"
$b mount -t tmpfs -o mode=755 rw /rw
$b mkdir -p /rw/upper /rw/work
$b mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work root /newroot || fail "no overlay root"
{mounts}$b umount /proc
$b mount --move /dev /newroot/dev
exec $b switch_root /newroot {shlex.quote(GUEST_INIT)}
"""
    archive.file("init", init.encode(), 0o755)
    return archive.finish()


def arm64_machine(args, qemu, vmlinuz, tree, vm_dir, shares):
    command = [
        qemu, "-machine", "virt", "-accel", "tcg,thread=multi", "-cpu", "cortex-a57",
        "-smp", str(args.cpus), "-m", str(args.memory),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-serial", "stdio", "-monitor", "none",
        "-kernel", vmlinuz, "-initrd", os.path.join(vm_dir, "initrd.cpio"),
        "-append", "console=ttyAMA0 panic=-1 quiet loglevel=3",
        "-fsdev", f"local,id=arm64root,path={tree},security_model=none,readonly=on,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=arm64root,mount_tag=arm64root",
        "-fsdev", f"local,id=work,path={os.path.abspath(args.work)},security_model=none,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=work,mount_tag=vmlabwork",
        "-device", "virtio-rng-pci",
    ]
    for n, path in enumerate(shares):
        command += ["-fsdev", f"local,id=share{n},path={path},security_model=none,readonly=on,multidevs=remap",
                    "-device", f"virtio-9p-pci,fsdev=share{n},mount_tag=share{n}"]
    return command


# ---------------------------------------------------------------- running

def run(args):
    try:
        qemu, busybox, modprobe, version, vmlinuz, tree = requirements(args.arch)
        if not os.path.isdir(args.work):
            raise CannotStart(f"work directory {args.work} does not exist")
        vm_dir = os.path.join(os.path.abspath(args.work), "vm")
        os.makedirs(vm_dir, exist_ok=True)
        shares = list(dict.fromkeys([CHECKOUT] + [os.path.abspath(d) for d in args.share or []]))
        if args.arch == "aarch64":
            image = arm64_initramfs(busybox, modprobe, tree, version, shares)
        else:
            image = initramfs(busybox, modprobe, tree, version)
    except CannotStart as reason:
        print(f"vm: cannot start: {reason}", file=sys.stderr)
        return SKIP

    for stale in ["exit-status", "booted"]:
        try:
            os.unlink(os.path.join(vm_dir, stale))
        except FileNotFoundError:
            pass
    with open(os.path.join(vm_dir, "initrd.cpio"), "wb") as f:
        f.write(image)
    # What guest-init reads from the work share: where the modules are, and the command.
    with open(os.path.join(vm_dir, "env"), "w") as f:
        f.write(f"VMLAB_MODULES={shlex.quote('/' if args.arch == 'aarch64' else tree)}\n"
                f"VMLAB_KERNEL={shlex.quote(version)}\nVMLAB_ARCH={args.arch}\n")
    with open(os.path.join(vm_dir, "command"), "w") as f:
        f.write(f"cd {shlex.quote(os.getcwd())} 2>/dev/null || cd /\nexec {shlex.join(args.command)}\n")

    command = arm64_machine(args, qemu, vmlinuz, tree, vm_dir, shares) if args.arch == "aarch64" else [
        qemu, "-machine", "pc", "-accel", "tcg,thread=multi", "-cpu", "max",
        "-smp", str(args.cpus), "-m", str(args.memory),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-serial", "stdio", "-monitor", "none",
        "-kernel", vmlinuz, "-initrd", os.path.join(vm_dir, "initrd.cpio"),
        "-append", "console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off",
        "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", f"local,id=work,path={os.path.abspath(args.work)},security_model=none,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=work,mount_tag=vmlabwork",
        "-device", "virtio-rng-pci",
    ]
    started = time.monotonic()
    console = open(os.path.join(vm_dir, "console.log"), "wb")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)

    def stop(*_):
        os.killpg(process.pid, signal.SIGKILL)
        sys.exit(130)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = started + args.timeout
    timed_out = False
    os.set_blocking(process.stdout.fileno(), False)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    pending = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            break
        if not selector.select(timeout=min(remaining, 1.0)):
            if process.poll() is not None:
                break
            continue
        chunk = process.stdout.read(65536)
        if not chunk:
            break
        console.write(chunk)
        console.flush()
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            # The serial line ends lines with CR LF.
            sys.stdout.buffer.write(line.rstrip(b"\r") + b"\n")
        sys.stdout.flush()
    if pending:
        sys.stdout.buffer.write(pending + b"\n")
    process.wait()
    console.close()
    elapsed = time.monotonic() - started

    if timed_out:
        print(f"vm: killed after {args.timeout} s: the guest did not finish in time", file=sys.stderr)
        return TIMED_OUT
    try:
        with open(os.path.join(vm_dir, "exit-status")) as f:
            status = int(f.read().strip())
    except (OSError, ValueError):
        print(f"vm: the guest stopped after {elapsed:.1f} s before its command finished "
              f"(qemu exit {process.returncode}); console in {vm_dir}/console.log", file=sys.stderr)
        return DIED
    print(f"vm: guest finished in {elapsed:.1f} s with exit status {status}", file=sys.stderr)
    return status


def check(args):
    try:
        requirements(args.arch)
    except CannotStart as reason:
        print(reason)
        return SKIP
    print("ok")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    c = sub.add_parser("check")
    c.add_argument("--arch", choices=["x86_64", "aarch64"], default="x86_64")
    p = sub.add_parser("run")
    p.add_argument("--arch", choices=["x86_64", "aarch64"], default="x86_64",
                   help="aarch64: Debian's arm64 kernel and packages on qemu-system-aarch64 -M virt")
    p.add_argument("--share", action="append", help="aarch64: a directory of this machine the guest sees, read-only, "
                   "at the same path (this checkout always)")
    p.add_argument("--work", required=True, help="directory shared writable with the guest at /run/vmlab/work")
    p.add_argument("--timeout", type=float, default=600, help="seconds until the VM is killed")
    p.add_argument("--memory", type=int, default=2048, help="guest memory in MiB")
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("command", nargs="+")
    args = parser.parse_args()
    sys.exit(check(args) if args.action == "check" else run(args))


if __name__ == "__main__":
    main()
