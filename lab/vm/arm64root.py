#!/usr/bin/python3
"""The aarch64 VM lab's machine: Debian's arm64 kernel and an arm64 userland made from Debian's arm64
packages (`apt-get download PKG:arm64` and `dpkg -x`, nothing from this machine's root), cached
beside the x86_64 lab's kernel in $PPPOE_RELAY_VMLAB_CACHE (/var/cache/pppoe-relay-vmlab)/arm64.

  arm64root.py make      fetches and unpacks once (root, apt-get); a second run downloads nothing
  arm64root.py path      prints the root's directory, or exits 77 saying why there is none

The root holds what the real-PPP scenario runs in the guest: busybox (static; its applets linked
where no package put a program of that name), dash as /bin/sh, pppd and its rp-pppoe plugin, rp-pppoe (pppoe-server,
pppoe, and pppoe-relay, which stands in for relayctl until an aarch64 relayctl exists), libmnl and
libnftnl (relayctl links them), nft, iproute2's ip (busybox's ip has no `netns` and makes no veth
peers in other namespaces), kmod's modprobe and depmod, and python3 (the scenario, lab/vm/realppp.py,
is the x86_64 lab's own, run unchanged). The kernel linux-image-arm64 depends on is unpacked into the
same root, its modules indexed with depmod, so the guest's modprobe finds them at /lib/modules.
Libraries are the packages' `Depends` followed through library packages; afterwards every ELF file's
NEEDED must be found in the root, or the make fails naming what is missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

CACHE = os.path.join(os.environ.get("PPPOE_RELAY_VMLAB_CACHE", "/var/cache/pppoe-relay-vmlab"), "arm64")
ARCH = "arm64"
SKIP = 77

# What the scenario runs, by package; their libraries are added by following Depends.
PACKAGES = ["libc6", "busybox-static", "dash", "ppp", "pppoe", "libmnl0", "libnftnl11", "nftables", "iproute2",
            "kmod", "python3-minimal", "libpython3.11-stdlib"]
# Dependencies the guest does without: maintainer-script and PAM machinery, man-page and MIME
# databases, the package manager itself, procps (pppd's Depends; busybox has ps), perl.
LEFT_OUT = {"libpam-modules", "libpam-modules-bin", "libpam-runtime", "debconf", "debconf-2.0", "dpkg", "procps",
            "mime-support", "media-types", "perl-base", "libcap2-bin", "tar", "install-info", "readline-common",
            "init-system-helpers", "lsb-base", "sysvinit-utils", "netbase",
            "python3.11"}
FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "etc/group": "root:x:0:\ndip:x:30:\nnogroup:x:65534:\n",
    "etc/hosts": "127.0.0.1 localhost vmlab\n::1 localhost\n",
    "etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
}


def log(text):
    print(f"arm64root: {text}", file=sys.stderr, flush=True)


def current():
    """The cached root's directory, or None."""
    try:
        with open(os.path.join(CACHE, "current")) as f:
            name = f.read().strip()
    except OSError:
        return None
    root = os.path.join(CACHE, name, "root")
    return root if name and os.path.isfile(os.path.join(CACHE, name, "complete")) else None


def kernel_version(root):
    """The one kernel version under root/lib/modules."""
    versions = sorted(os.listdir(os.path.join(root, "lib", "modules")))
    return versions[-1] if versions else None


def depends(packages):
    """The Depends and Pre-Depends of each package:arm64 (first alternatives), without architecture suffix."""
    out = subprocess.run(["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks",
                          "--no-replaces", "--no-enhances"] + [f"{p}:{ARCH}" for p in packages],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"arm64root: apt-cache depends {' '.join(packages)}: {out.stderr.strip()}")
    found, alternative = [], False
    for line in out.stdout.splitlines():
        m = re.match(r"\s*(\|)?(Pre)?Depends: <?([^:>\s]+)", line)
        if m:
            if not alternative:
                found.append(m.group(3))
            alternative = bool(m.group(1))
        elif not line.startswith(" "):
            alternative = False
    return found


def kernel_package():
    for name in depends(["linux-image-arm64"]):
        if name.startswith("linux-image-"):
            return name
    raise SystemExit("arm64root: linux-image-arm64 names no kernel")


def closure():
    """PACKAGES and the packages they need, followed through Depends (one apt-cache per level), less
    LEFT_OUT."""
    wanted, level = [], list(PACKAGES)
    while level:
        level = [p for p in dict.fromkeys(level) if p not in wanted and p not in LEFT_OUT]
        wanted += level
        level = depends(level) if level else []
    return wanted


def download_names(packages):
    """How apt-get download names each package: PKG:arm64, or PKG alone for an `Architecture: all` one
    (libtirpc-common, say), which has no arm64 candidate."""
    out = subprocess.run(["apt-cache", "policy"] + [f"{p}:{ARCH}" for p in packages], capture_output=True, text=True)
    none, package = set(), None
    for line in out.stdout.splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            package = line[:-1].rsplit(":", 1)[0]
        elif line.strip() == "Candidate: (none)" and package:
            none.add(package)
    return [p if p in none else f"{p}:{ARCH}" for p in packages]


def elf_needed(path):
    """(NEEDED sonames, is it an ELF file) from readelf; [] for other files."""
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return None
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out.stdout)


def check_libraries(root):
    """Every NEEDED of every ELF file in the root (but the kernel's modules) is a file in its library
    directories; returns what is missing, as {soname: [users]}."""
    directories = [os.path.join(root, d) for d in ("lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib",
                                                   "usr/lib")]
    missing = {}
    for top in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/lib/pppd", "usr/lib/python3.11/lib-dynload"):
        for base, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                path = os.path.join(base, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                for soname in elf_needed(path) or []:
                    if not any(os.path.lexists(os.path.join(d, soname)) for d in directories):
                        missing.setdefault(soname, []).append(os.path.relpath(path, root))
    return missing


def link_busybox(root):
    """A link to busybox for each applet no package put a program of that name for."""
    listing = subprocess.run([shutil.which("busybox") or "/bin/busybox", "--list-full"], capture_output=True,
                             text=True, check=True).stdout.split()
    present = set()
    for directory in ("bin", "sbin", "usr/bin", "usr/sbin"):
        if os.path.isdir(os.path.join(root, directory)):
            present |= set(os.listdir(os.path.join(root, directory)))
    linked = 0
    for applet in listing:
        name = os.path.basename(applet)
        if name in present or name == "busybox":
            continue
        os.makedirs(os.path.join(root, os.path.dirname(applet)), exist_ok=True)
        os.symlink("/bin/busybox", os.path.join(root, applet))
        linked += 1
    return linked


def make():
    if current():
        return 0
    if os.geteuid() != 0:
        raise SystemExit("arm64root: need root to fetch the aarch64 lab's packages")
    kernel = kernel_package()
    packages = closure() + [kernel]
    log(f"fetching {len(packages)} arm64 packages ({kernel} and {', '.join(PACKAGES)} with their libraries) "
        f"into {CACHE} (once)")
    os.makedirs(CACHE, exist_ok=True)
    download = tempfile.mkdtemp(prefix="download.", dir=CACHE)
    os.chmod(download, 0o755)
    try:
        fetched = subprocess.run(["apt-get", "download", "-qq"] + download_names(packages), cwd=download,
                                 capture_output=True, text=True)
        if fetched.returncode != 0:
            log(f"apt-get download failed ({fetched.stderr.strip()[-300:]}); apt-get update, then once more")
            subprocess.run(["apt-get", "update", "-qq"])
            kernel = kernel_package()
            packages = closure() + [kernel]
            fetched = subprocess.run(["apt-get", "download", "-qq"] + download_names(packages), cwd=download,
                                     capture_output=True, text=True)
            if fetched.returncode != 0:
                raise SystemExit(f"arm64root: apt-get download failed: {fetched.stderr.strip()}")
        name = kernel[len("linux-image-"):]
        tree = os.path.join(CACHE, name)
        shutil.rmtree(tree, ignore_errors=True)
        root = os.path.join(tree, "root")
        os.makedirs(root)
        debs = sorted(os.listdir(download))
        for deb in debs:
            subprocess.run(["dpkg", "-x", os.path.join(download, deb), root], check=True)
        with open(os.path.join(tree, "packages"), "w") as f:
            f.write("\n".join(debs) + "\n")
    finally:
        shutil.rmtree(download, ignore_errors=True)
    for directory in ("proc", "sys", "dev", "run", "tmp", "root", "var/run", "etc/ppp"):
        os.makedirs(os.path.join(root, directory), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    for path, text in FILES.items():
        with open(os.path.join(root, path), "w") as f:
            f.write(text)
    # /bin/sh is dash: Debian's static busybox, as sh, runs its own applets before the PATH's programs
    # (its `ip` for iproute2's, say).
    sh = os.path.join(root, "bin", "sh")
    if os.path.lexists(sh):
        os.unlink(sh)
    os.symlink("dash", sh)
    log(f"busybox applets linked: {link_busybox(root)}")
    # The standard library's bytecode, which Debian's packages leave to their maintainer scripts:
    # made here when this Python is the guest's version (a byte code file is the same on every
    # architecture), else the guest compiles what it imports, at every boot (about 1 s more).
    stdlib = os.path.join(root, "usr", "lib", "python%d.%d" % sys.version_info[:2])
    if os.path.isdir(stdlib):
        subprocess.run([sys.executable, "-m", "compileall", "-q", "-s", root, "-p", "/", stdlib],
                       stdout=subprocess.DEVNULL)
    version = kernel_version(root)
    subprocess.run(["depmod", "-b", root, version], check=True)
    missing = check_libraries(root)
    if missing:
        raise SystemExit("arm64root: libraries missing from the root: "
                         + "; ".join(f"{soname} (for {', '.join(users[:3])})" for soname, users in missing.items()))
    with open(os.path.join(tree, "complete"), "w") as f:
        f.write(version + "\n")
    with open(os.path.join(CACHE, "current"), "w") as f:
        f.write(name + "\n")
    size = subprocess.run(["du", "-sm", root], capture_output=True, text=True).stdout.split()[0]
    log(f"made {root}: kernel {version}, {len(debs)} packages, {size} MB")
    return 0


def main():
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action == "make":
        return make()
    if action == "path":
        root = current()
        if not root:
            print(f"no aarch64 root in {CACHE}: run scripts/setup (fetches Debian's arm64 packages once)")
            return SKIP
        print(root)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
