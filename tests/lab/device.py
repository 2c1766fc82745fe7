"""A "device under test" made of real Debian daemons in its own network namespace.

``with LabDevice("vulnerable") as dev:`` creates the namespace ``jcs-<random>-vulnerable``
with only ``lo`` (up), writes every configuration file, key and certificate into a fresh
temporary directory, starts the daemons on the namespace's 127.0.0.1 on their standard
ports, and on exit kills exactly the processes it started and deletes the namespace and the
directory. Nothing outside the namespace can reach the daemons, and the daemons can reach
nothing but the namespace's loopback. Probes run inside it: ``dev.run([...])``.

Profiles (see README.md in this folder):

* ``vulnerable``: busybox telnetd (23, root/xc3511 md5crypt, admin/admin); dropbear (22,
  admin/admin, support/support, RSA-1024 host key, no lockout); lighttpd (80 HTTP Basic
  admin:admin in plaintext, 443 TLS 1.0+ with ``ALL:@SECLEVEL=0`` and a self-signed
  RSA-1024/SHA-1 certificate); mosquitto (1883, anonymous).
* ``hardened``: no telnet, no plaintext HTTP, no plaintext MQTT. dropbear (22, ``admin``
  with a random 20-character password, root login off, 3 tries per connection, Ed25519 and
  RSA-3072 host keys); lighttpd (443 only, TLS 1.2+, AEAD ciphers, RSA-2048/SHA-256
  certificate, Basic auth with a random password, no keep-alive, security.txt); mosquitto
  (8883 only, TLS 1.2+, password file, anonymous refused). nftables in the namespace limits
  new connections per source address to 22, 443 and 8883 (a small burst, then TCP reset).

telnetd and dropbear run chrooted in small busybox-static root filesystems (their own
passwd/shadow, a minimal private /dev), so logins never touch the host's files.

This file uses only the standard library and doubles as a script (the power-cycle command,
the watchdog and a manual ``up`` command run it with ``python device.py ...``).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import fcntl
import glob
import importlib
import json
import os
import secrets
import shlex
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
DEVICE_PY = Path(__file__).resolve()
LIGHTTPD_MODULES = Path("/usr/lib/lighttpd")

#: Where the unpacked-only busybox-static .deb is looked for (it is never installed: it would
#: replace the host's busybox). ``JCSTAR_BUSYBOX_DEB`` may name the file directly.
BUSYBOX_DEB_GLOBS = (
    "/var/cache/jcstar-lab/busybox-static_*.deb",
    "/tmp/busybox-static_*.deb",
    "/var/cache/apt/archives/busybox-static_*.deb",
)
BUSYBOX_HINT = (
    "busybox-static .deb not found (it is unpacked, never installed): "
    "mkdir -p /var/cache/jcstar-lab && cd /var/cache/jcstar-lab && apt-get download "
    "busybox-static   (or set JCSTAR_BUSYBOX_DEB=/path/to/busybox-static_*.deb)"
)

#: tool -> Debian package, for the "not installed" message
PACKAGE_OF = {
    "ip": "iproute2",
    "unshare": "util-linux",
    "chroot": "coreutils",
    "dpkg-deb": "dpkg",
    "ldd": "libc-bin",
    "openssl": "openssl",
    "dropbear": "dropbear-bin",
    "dropbearkey": "dropbear-bin",
    "lighttpd": "lighttpd",
    "mosquitto": "mosquitto",
    "mosquitto_passwd": "mosquitto",
    "nft": "nftables",
}


@dataclass(frozen=True)
class Profile:
    """How to build one kind of lab device: ``build(root)`` writes its files and returns its
    spec (daemons, services, credentials, accounts, nft_file); ``needs`` are the host tools
    it uses; ``busybox``/``lighttpd_tls`` say whether it needs the busybox-static .deb and
    lighttpd's TLS module."""

    build: Callable[[Path], dict[str, Any]]
    needs: tuple[str, ...]
    busybox: bool = True
    lighttpd_tls: bool = True


#: profile name -> Profile. The two below are built in; ``profiles_*.py`` beside this file
#: register more with ``register_profile`` when imported (``load_profiles``).
PROFILES: dict[str, Profile] = {}


def register_profile(name: str, profile: Profile) -> None:
    PROFILES[name] = profile


def load_profiles() -> None:
    """Import every ``profiles_*.py`` module in this folder (each registers its profiles)."""
    if not __package__:
        return  # run as a script: only power-cycle/teardown/watchdog, which need no builder
    for path in sorted(DEVICE_PY.parent.glob("profiles_*.py")):
        importlib.import_module(f"{__package__}.{path.stem}")


#: hardened-profile rate limits: port -> (new connections per minute, burst), per source address
RATE_LIMITS = {22: (3, 5), 443: (30, 20), 8883: (10, 10)}

START_TIMEOUT_S = 20.0
STOP_GRACE_S = 5.0
DEFAULT_MAX_LIFETIME_S = 7200.0  # the watchdog tears the lab down after this, whatever happens


class LabUnavailable(RuntimeError):
    """The lab cannot run on this machine (not root, a tool or package missing)."""


class LabError(RuntimeError):
    """The lab was expected to work here but something failed (with the daemon's log)."""


@dataclass
class Daemon:
    name: str
    argv: list[str]  # run inside the namespace
    ports: list[int]


# --------------------------------------------------------------------------------------------
# small process helpers (stdlib only; also used by the script entry points)


def _which(tool: str) -> str | None:
    path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
    return shutil.which(tool, path=path)


def _tool(tool: str) -> str:
    found = _which(tool)
    if not found:
        pkg = PACKAGE_OF.get(tool, tool)
        raise LabUnavailable(f"{tool} not installed: apt-get install {pkg}")
    return found


def _sh(
    cmd: Sequence[str], timeout: float = 30.0, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run a short command to completion; raise LabError with its output when it fails."""
    try:
        proc = subprocess.run(
            list(cmd), capture_output=True, text=True, errors="replace", timeout=timeout,
            stdin=subprocess.DEVNULL, check=False, **kwargs,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout}s: {shlex.join(cmd)}") from exc
    if proc.returncode != 0:
        raise LabError(
            f"failed ({proc.returncode}): {shlex.join(cmd)}\n{proc.stdout}{proc.stderr}".strip()
        )
    return proc


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, ...]."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw.rsplit(")", 1)[1].split()


def _alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _starttime(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[19] if fields else None


def _ns_ino(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def netns_inode(netns: str) -> int | None:
    return _ns_ino(f"/run/netns/{netns}")


def _in_netns(pid: int, ino: int | None) -> bool:
    return ino is not None and _ns_ino(f"/proc/{pid}/ns/net") == ino


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def terminate(
    pids: Iterable[int],
    ino: int | None,
    grace: float = STOP_GRACE_S,
    reap: Callable[[Iterable[int]], None] | None = None,
) -> tuple[list[int], list[int]]:
    """Stop the given PIDs and all their descendants, if (and only if) they live in the lab's
    network namespace ``ino`` (guards against a recycled PID). Freezes them first (SIGSTOP) so
    none can fork while the tree is collected, then SIGTERM + SIGCONT, then SIGKILL after
    ``grace`` seconds. Returns (processes signalled, processes that would not die)."""
    roots = [p for p in dict.fromkeys(pids) if p > 1 and _alive(p) and _in_netns(p, ino)]
    frozen: list[int] = []
    todo = list(roots)
    while todo:  # freeze the tree top-down, picking up children forked in the meantime
        for pid in todo:
            _signal(pid, signal.SIGSTOP)
            frozen.append(pid)
        tree = _children()
        todo = [
            c
            for p in todo
            for c in tree.get(p, [])
            if c not in frozen and _alive(c) and _in_netns(c, ino)
        ]
    for pid in frozen:
        _signal(pid, signal.SIGTERM)
        _signal(pid, signal.SIGCONT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if reap:
            reap(frozen)
        if not any(_alive(p) for p in frozen):
            return frozen, []
        time.sleep(0.05)
    for pid in frozen:
        if _alive(pid) and _in_netns(pid, ino):
            _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and any(_alive(p) for p in frozen):
        if reap:
            reap(frozen)
        time.sleep(0.05)
    if reap:
        reap(frozen)
    return frozen, [p for p in frozen if _alive(p)]


def listening_ports(pid: int | str) -> set[int]:
    """TCP ports in LISTEN state in the network namespace of ``pid`` (or "self")."""
    ports: set[int] = set()
    for name in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{name}").read_text().splitlines()[1:]
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[3] == "0A":
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


# --------------------------------------------------------------------------------------------
# state on disk: lets the power-cycle command and the watchdog work from another process


def _read_state(root: Path) -> dict[str, Any]:
    return json.loads((root / "state.json").read_text())


def _pidfile(root: Path, name: str) -> Path:
    return root / "run" / f"{name}.pid"


def current_pids(root: Path) -> dict[str, int]:
    state = _read_state(root)
    pids = {}
    for d in state["daemons"]:
        f = _pidfile(root, d["name"])
        if f.exists():
            pids[d["name"]] = int(f.read_text())
    return pids


def _history(root: Path) -> list[int]:
    f = root / "run" / "history"
    return [int(x) for x in f.read_text().split()] if f.exists() else []


@contextlib.contextmanager
def _locked(root: Path) -> Any:
    with open(root / "lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _netns_prefix(netns: str) -> list[str]:
    """[] when this process already runs inside the lab namespace, else ``ip netns exec NS``."""
    if _ns_ino("/proc/self/ns/net") == netns_inode(netns):
        return []
    return [_tool("ip"), "netns", "exec", netns]


def _launch(root: Path, daemon: dict[str, Any], prefix: list[str]) -> subprocess.Popen[bytes]:
    """Start one daemon in its own session, output to its log, PID recorded. Every wrapper in
    argv (ip netns exec, unshare without --fork, sh -c '... exec', chroot) execs the next
    program, so Popen.pid is the daemon's own PID."""
    with open(root / "logs" / f"{daemon['name']}.log", "ab") as log:
        proc = subprocess.Popen(
            prefix + daemon["argv"], stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, cwd=root,
        )  # fmt: skip
    _pidfile(root, daemon["name"]).write_text(f"{proc.pid}\n")
    with open(root / "run" / "history", "a") as hist:
        hist.write(f"{proc.pid}\n")
    return proc


def _log_tail(root: Path, name: str, n: int = 15) -> str:
    f = root / "logs" / f"{name}.log"
    lines = f.read_text(errors="replace").splitlines()[-n:] if f.exists() else []
    return "\n".join(f"    {line}" for line in lines) or "    (empty log)"


def _wait_ports(
    root: Path, daemons: list[dict[str, Any]], probe_pid: int | str, listening: bool, timeout: float
) -> None:
    """Wait until every daemon port is listening (or, with listening=False, is free)."""
    deadline = time.monotonic() + timeout
    while True:
        if listening:
            pids = current_pids(root)
            for d in daemons:
                if not _alive(pids[d["name"]]):
                    raise LabError(
                        f"{d['name']} exited during start-up:\n{_log_tail(root, d['name'])}"
                    )
        ports = listening_ports(probe_pid)
        wanted = {p for d in daemons for p in d["ports"]}
        missing = wanted - ports if listening else wanted & ports
        if not missing:
            return
        if time.monotonic() > deadline:
            what = "not listening" if listening else "still in use"
            logs = "\n".join(
                f"  {d['name']}:\n{_log_tail(root, d['name'])}"
                for d in daemons
                if set(d["ports"]) & missing
            )
            raise LabError(f"ports {sorted(missing)} {what} after {timeout}s\n{logs}")
        time.sleep(0.05)


def _apply_firewall(state: dict[str, Any], prefix: list[str]) -> None:
    if state.get("nft_file"):
        _sh([*prefix, _tool("nft"), "-f", state["nft_file"]], timeout=15)


def power_cycle(root: Path, timeout: float = 30.0) -> dict[str, int]:
    """Kill the daemons (and their sessions), reload the firewall (its per-source meters reset,
    as on a reboot) and start the same daemons with the same configuration files."""
    root = Path(root)
    state = _read_state(root)
    netns = state["netns"]
    if _netns_prefix(netns):  # called from outside: do the whole thing inside the namespace
        cmd = [_tool("ip"), "netns", "exec", netns, sys.executable, str(DEVICE_PY)]
        _sh([*cmd, "power-cycle", str(root)], timeout=timeout * 2)
        return current_pids(root)
    with _locked(root):
        _, stuck = terminate(current_pids(root).values(), netns_inode(netns))
        if stuck:
            raise LabError(f"power-cycle: processes would not die: {stuck}")
        _wait_ports(root, state["daemons"], "self", listening=False, timeout=timeout / 3)
        _apply_firewall(state, [])
        for daemon in state["daemons"]:
            _launch(root, daemon, [])
        _wait_ports(root, state["daemons"], "self", listening=True, timeout=timeout)
    return current_pids(root)


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) + "/"
    found = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            mountpoint = line.split()[4]
            if mountpoint.startswith(prefix):
                found.append(mountpoint)
    return found


def teardown(root: Path, reap: Callable[[Iterable[int]], None] | None = None) -> dict[str, Any]:
    """Kill every recorded daemon PID (plus its descendants), then anything still inside the
    lab namespace (processes that can only have been started by this lab or its tests),
    delete the namespace and the directory. Safe to call twice."""
    root = Path(root)
    report: dict[str, Any] = {"killed": [], "leftovers": [], "stuck": []}
    if not (root / "state.json").exists():
        return report
    state = _read_state(root)
    netns = state["netns"]
    with _locked(root):
        ino = netns_inode(netns)
        if ino is not None:
            killed, stuck = terminate(_history(root), ino, reap=reap)
            report["killed"], report["stuck"] = killed, stuck
            out = subprocess.run(
                [_tool("ip"), "netns", "pids", netns], capture_output=True, text=True,
                timeout=10, check=False,
            ).stdout.split()  # fmt: skip
            rest = [int(p) for p in out if int(p) != os.getpid()]
            if rest:
                # no reaping here: a leftover may be the caller's own Popen child
                report["leftovers"], stuck2 = terminate(rest, ino)
                report["stuck"] += stuck2
            if report["stuck"]:
                raise LabError(f"processes would not die, namespace kept: {report['stuck']}")
            _sh([_tool("ip"), "netns", "del", netns], timeout=15)
        mounts = _mounts_under(root)
        if mounts:  # never rmtree through a bind mount of /dev
            raise LabError(f"mounts still under {root}, not removing it: {mounts}")
        (root / "state.json").unlink()
    shutil.rmtree(root, ignore_errors=True)
    return report


def _become_subreaper() -> None:
    """Orphaned lab processes (daemons restarted by a power-cycle command that has exited,
    sessions of a killed daemon) are re-parented to this process instead of PID 1, so
    teardown can reap them and leaves no zombie (PR_SET_CHILD_SUBREAPER, Linux >= 3.4)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)


def _watchdog(root: Path, parent: int, parent_start: str, deadline: float) -> None:
    """Tear the lab down when its owner dies (or after the maximum lifetime)."""
    while (root / "state.json").exists():
        if _starttime(parent) != parent_start or not _alive(parent) or time.time() > deadline:
            teardown(root)
            return
        time.sleep(0.5)


# --------------------------------------------------------------------------------------------
# building the two profiles


def _password(n: int = 20) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _crypt(password: str, scheme: str = "-6") -> str:
    salt = _password(8)
    return _sh([_tool("openssl"), "passwd", scheme, "-salt", salt, password]).stdout.strip()


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def _cert(root: Path, bits: int, digest: str, subject: str, days: int, san: bool) -> Path:
    key, crt = root / "tls/server.key", root / "tls/server.crt"
    key.parent.mkdir(parents=True, exist_ok=True)
    cmd = [_tool("openssl"), "req", "-x509", "-newkey", f"rsa:{bits}", f"-{digest}", "-nodes",
           "-days", str(days), "-subj", subject, "-keyout", str(key), "-out", str(crt)]  # fmt: skip
    if san:
        cmd += ["-addext", f"subjectAltName=IP:{HOST},DNS:localhost"]
    _sh(cmd)
    key.chmod(0o600)
    pem = root / "tls/server.pem"
    _write(pem, crt.read_text() + key.read_text(), 0o600)
    return pem


def _find_busybox_deb() -> Path:
    env = os.environ.get("JCSTAR_BUSYBOX_DEB")
    if env:
        if Path(env).is_file():
            return Path(env)
        raise LabUnavailable(f"JCSTAR_BUSYBOX_DEB={env} does not exist. {BUSYBOX_HINT}")
    for pattern in BUSYBOX_DEB_GLOBS:
        hits = sorted(glob.glob(pattern))
        if hits:
            return Path(hits[-1])
    raise LabUnavailable(BUSYBOX_HINT)


def _unpack_busybox(root: Path) -> Path:
    """The static busybox from the .deb (Debian's dynamic busybox has no telnetd/login)."""
    deb = _find_busybox_deb()
    unpacked = root / "bbstatic"
    _sh([_tool("dpkg-deb"), "-x", str(deb), str(unpacked)])
    return unpacked / "bin/busybox"


def _rootfs(rfs: Path, busybox: Path, hostname: str, users: list[tuple[str, int, str]]) -> Path:
    """A small busybox "firmware" root filesystem; users: (name, uid, shadow hash or "!")."""
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "root", "tmp", "var/log",
              "var/run"):  # fmt: skip
        (rfs / d).mkdir(parents=True, exist_ok=True)
    (rfs / "tmp").chmod(0o1777)
    (rfs / "root").chmod(0o700)
    shutil.copy2(busybox, rfs / "bin/busybox")
    _sh([_tool("chroot"), str(rfs), "/bin/busybox", "--install", "-s"])
    if not (rfs / "usr/sbin/telnetd").is_symlink() or not (rfs / "bin/login").is_symlink():
        raise LabError(f"{busybox} has no telnetd/login applet (is it busybox-static?)")
    passwd, shadow, group = [], [], []
    if not any(uid == 0 for _, uid, _ in users):
        users = [("root", 0, "!"), *users]  # root exists, locked
    for name, uid, hashed in users:
        home = "/root" if uid == 0 else f"/home/{name}"
        if uid:
            (rfs / home[1:]).mkdir(parents=True, exist_ok=True)
            os.chown(rfs / home[1:], uid, uid)
        passwd.append(f"{name}:x:{uid}:{uid}:{name}:{home}:/bin/sh")
        shadow.append(f"{name}:{hashed}:19000:0:99999:7:::")
        group.append(f"{name}:x:{uid}:")
    _write(rfs / "etc/passwd", "\n".join(passwd) + "\n")
    _write(rfs / "etc/shadow", "\n".join(shadow) + "\n", 0o600)
    _write(rfs / "etc/group", "\n".join(group) + "\n")
    _write(rfs / "etc/shells", "/bin/sh\n/bin/ash\n")
    _write(rfs / "etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\n")
    _write(rfs / "etc/hostname", f"{hostname}\n")
    return rfs


def _add_binary(rfs: Path, binary: str) -> None:
    """Copy a dynamically linked host binary and the libraries ldd lists into the rootfs."""
    paths = [binary]
    for line in _sh([_tool("ldd"), binary]).stdout.splitlines():
        words = line.split()
        if "=>" in words and words[words.index("=>") + 1].startswith("/"):
            paths.append(words[words.index("=>") + 1])
        elif words and words[0].startswith("/"):
            paths.append(words[0])
    for path in paths:
        target = rfs / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(path), target)


#: Runs a daemon chrooted into a rootfs, in a private mount (and UTS) namespace, with a minimal
#: /dev of its own: a tmpfs with null/zero/random/urandom/tty bound in and a fresh devpts
#: instance for telnet ptys. The host's /dev (disks) is not visible in the chroot and no
#: mount is visible outside this process tree; everything goes away with the daemon.
CHROOT_SH = r"""
r=$1; h=$2; shift 2
mount -t tmpfs -o mode=0755,size=64k labdev "$r/dev" || exit 1
for n in null zero random urandom tty; do
  : > "$r/dev/$n" && mount --bind "/dev/$n" "$r/dev/$n" || exit 1
done
mkdir "$r/dev/pts" && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts" \
  && ln -s pts/ptmx "$r/dev/ptmx" || exit 1
exec chroot "$r" /bin/sh -c 'hostname "$0" && exec "$@"' "$h" "$@"
"""


def _chrooted(name: str, rfs: Path, hostname: str, cmd: list[str], ports: list[int]) -> Daemon:
    """unshare, sh -c '... exec chroot', busybox sh -c '... exec' all exec in place, so the
    PID recorded for the daemon is the daemon's own."""
    argv = [_tool("unshare"), "--mount", "--uts", "--propagation", "private",
            "sh", "-c", CHROOT_SH, "sh", str(rfs), hostname, *cmd]  # fmt: skip
    return Daemon(name, argv, ports)


def _dropbear_rootfs(
    rfs: Path, busybox: Path, hostname: str, users: list[tuple[str, int, str]],
    keys: list[tuple[str, list[str]]],
) -> list[str]:  # fmt: skip
    """rootfs with dropbear and its libraries; keys: (file name, dropbearkey arguments).
    Sessions run inside the chroot, so nothing an SSH user does can touch the host's files."""
    _rootfs(rfs, busybox, hostname, users)
    _add_binary(rfs, _tool("dropbear"))
    (rfs / "etc/dropbear").mkdir(exist_ok=True)
    args = []
    for fname, keygen in keys:
        _sh([_tool("dropbearkey"), *keygen, "-f", str(rfs / "etc/dropbear" / fname)])
        args += ["-r", f"/etc/dropbear/{fname}"]
    return args


def _build_vulnerable(root: Path) -> dict[str, Any]:
    busybox = _unpack_busybox(root)
    users = [("root", 0, _crypt("xc3511", "-1")), ("admin", 1000, _crypt("admin"))]
    rfs = _rootfs(root / "rootfs-telnetd", busybox, "IPCAM-LAB", users)
    _write(rfs / "etc/issue.net", "IPCAM-LAB firmware 1.0.3 (busybox)\n")
    _write(rfs / "etc/version", "FW_VERSION=1.0.3\nMODEL=IPCAM-LAB\n")
    cmd = ["/usr/sbin/telnetd", "-F", "-b", f"{HOST}:23", "-l", "/bin/login"]
    telnetd = _chrooted("telnetd", rfs, "IPCAM-LAB", cmd, [23])

    sfs = root / "rootfs-dropbear"
    users = [("admin", 1000, _crypt("admin")), ("support", 1001, _crypt("support"))]
    keys = _dropbear_rootfs(sfs, busybox, "IPCAM-LAB", users,
                            [("dropbear_rsa_host_key", ["-t", "rsa", "-s", "1024"])])  # fmt: skip
    dropbear = _chrooted("dropbear", sfs, "IPCAM-LAB",
                         ["/usr/sbin/dropbear", "-F", "-E", "-P", "/var/run/dropbear.pid",
                          "-p", f"{HOST}:22", *keys], [22])  # fmt: skip

    pem = _cert(root, 1024, "sha1", "/CN=192.168.1.1/O=IPCAM Vendor", 3650, san=False)
    _write(root / "www/index.html", "<html><title>IPCAM-LAB</title><body>IP camera</body></html>\n")
    users = _write(root / "lighttpd/users", "admin:admin\n", 0o600)
    conf = _write(root / "lighttpd/lighttpd.conf", f"""\
server.modules = ("mod_auth", "mod_authn_file", "mod_openssl", "mod_accesslog")
server.document-root = "{root}/www"
server.bind = "{HOST}"
server.port = 80
server.errorlog = "{root}/logs/lighttpd-error.log"
accesslog.filename = "{root}/logs/lighttpd-access.log"
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain")
auth.backend = "plain"
auth.backend.plain.userfile = "{users}"
auth.require = ("/" => ("method" => "basic", "realm" => "IPCAM", "require" => "valid-user"))
$SERVER["socket"] == "{HOST}:443" {{
  ssl.engine = "enable"
  ssl.pemfile = "{pem}"
  ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1", "CipherString" => "ALL:@SECLEVEL=0")
}}
""")  # fmt: skip
    lighttpd = Daemon("lighttpd", [_tool("lighttpd"), "-D", "-f", str(conf)], [80, 443])

    mconf = _write(root / "mosquitto/mosquitto.conf",
                   f"user root\npersistence false\nlog_dest stderr\n"
                   f"listener 1883 {HOST}\nallow_anonymous true\n")  # fmt: skip
    mosquitto = Daemon("mosquitto", [_tool("mosquitto"), "-c", str(mconf)], [1883])
    return {
        "daemons": [telnetd, dropbear, lighttpd, mosquitto],
        "services": {"telnet": 23, "ssh": 22, "http": 80, "https": 443, "mqtt": 1883},
        "credentials": {
            "telnet": ("root", "xc3511"),
            "ssh": ("admin", "admin"),
            "http": ("admin", "admin"),
            "https": ("admin", "admin"),
        },
        "accounts": {
            "telnet": [("root", "xc3511"), ("admin", "admin")],
            "ssh": [("admin", "admin"), ("support", "support")],
            "http": [("admin", "admin")],
            "https": [("admin", "admin")],
            "mqtt": [],  # anonymous
        },
        "nft_file": None,
    }


def _nft_rules(root: Path) -> Path:
    rules = []
    sets = []
    for port, (rate, burst) in RATE_LIMITS.items():
        sets.append(
            f"  set meter_{port} {{ type ipv4_addr; size 4096; flags dynamic,timeout; "
            f"timeout 10m; }}"
        )
        rules.append(
            f"    tcp dport {port} ct state new update @meter_{port} "
            f"{{ ip saddr limit rate over {rate}/minute burst {burst} packets }} "
            f"counter reject with tcp reset"
        )
    text = (
        "# hardened lab device: per-source new-connection rate limits (brute-force protection)\n"
        "table inet jcslab {}\ndelete table inet jcslab\n"
        "table inet jcslab {\n" + "\n".join(sets) + "\n"
        "  chain input {\n    type filter hook input priority filter; policy accept;\n"
        + "\n".join(rules)
        + "\n  }\n}\n"
    )
    return _write(root / "nft/ruleset.nft", text)


def _build_hardened(root: Path) -> dict[str, Any]:
    ssh_pw, web_pw, mqtt_pw = _password(), _password(), _password()
    sfs = root / "rootfs-dropbear"
    # dropbear 2022.83 with only an Ed25519 key aborts ("Failed assertion (rsa.c:164)") when a
    # client asks for rsa-sha2-*, so the device also gets an RSA-3072 key.
    keys = _dropbear_rootfs(sfs, _unpack_busybox(root), "GATEWAY-LAB",
                            [("admin", 1000, _crypt(ssh_pw))],
                            [("dropbear_ed25519_host_key", ["-t", "ed25519"]),
                             ("dropbear_rsa_host_key", ["-t", "rsa", "-s", "3072"])])  # fmt: skip
    # -w no root login, -T 3 tries per connection, -j/-k no port forwarding, -I idle timeout
    dropbear = _chrooted("dropbear", sfs, "GATEWAY-LAB",
                         ["/usr/sbin/dropbear", "-F", "-E", "-P", "/var/run/dropbear.pid",
                          "-p", f"{HOST}:22", "-w", "-T", "3", "-j", "-k", "-I", "600", *keys],
                         [22])  # fmt: skip

    pem = _cert(root, 2048, "sha256", f"/CN={HOST}/O=Lab Hardened Device", 365, san=True)
    _write(root / "www/index.html", "<html><title>Gateway</title><body>Gateway</body></html>\n")
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write(root / "www/.well-known/security.txt",
           "Contact: mailto:security@example.com\n"
           f"Expires: {expires}\nPreferred-Languages: en, ja\n"
           "Policy: https://example.com/security-policy\n")  # fmt: skip
    users = _write(root / "lighttpd/htpasswd", f"admin:{_crypt(web_pw)}\n", 0o600)
    conf = _write(root / "lighttpd/lighttpd.conf", f"""\
server.modules = ("mod_auth", "mod_authn_file", "mod_openssl", "mod_accesslog", "mod_setenv")
server.document-root = "{root}/www"
server.bind = "{HOST}"
server.port = 443
server.tag = ""
server.max-keep-alive-requests = 0
server.errorlog = "{root}/logs/lighttpd-error.log"
accesslog.filename = "{root}/logs/lighttpd-access.log"
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain")
ssl.engine = "enable"
ssl.pemfile = "{pem}"
ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.2",
                            "CipherString" => "ECDHE+AESGCM:ECDHE+CHACHA20",
                            "Options" => "-SessionTicket")
setenv.add-response-header = ("Strict-Transport-Security" => "max-age=31536000")
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "{users}"
$HTTP["url"] !~ "^/\\.well-known/" {{
  auth.require = ("/" => ("method" => "basic", "realm" => "Gateway", "require" => "valid-user"))
}}
""")  # fmt: skip
    lighttpd = Daemon("lighttpd", [_tool("lighttpd"), "-D", "-f", str(conf)], [443])

    pwfile = root / "mosquitto/passwd"
    pwfile.parent.mkdir(parents=True, exist_ok=True)
    _sh([_tool("mosquitto_passwd"), "-b", "-c", str(pwfile), "admin", mqtt_pw])
    pwfile.chmod(0o600)
    mconf = _write(root / "mosquitto/mosquitto.conf", f"""\
user root
persistence false
log_dest stderr
per_listener_settings false
allow_anonymous false
password_file {pwfile}
listener 8883 {HOST}
certfile {root}/tls/server.crt
keyfile {root}/tls/server.key
tls_version tlsv1.2
""")  # fmt: skip
    mosquitto = Daemon("mosquitto", [_tool("mosquitto"), "-c", str(mconf)], [8883])
    return {
        "daemons": [dropbear, lighttpd, mosquitto],
        "services": {"ssh": 22, "https": 443, "mqtts": 8883},
        "credentials": {
            "ssh": ("admin", ssh_pw),
            "https": ("admin", web_pw),
            "mqtts": ("admin", mqtt_pw),
        },
        "accounts": {
            "ssh": [("admin", ssh_pw)],
            "https": [("admin", web_pw)],
            "mqtts": [("admin", mqtt_pw)],
        },
        "nft_file": str(_nft_rules(root)),
    }


register_profile("vulnerable", Profile(_build_vulnerable, (
    "ip", "unshare", "chroot", "dpkg-deb", "ldd", "openssl", "dropbear", "dropbearkey",
    "lighttpd", "mosquitto")))  # fmt: skip
register_profile("hardened", Profile(_build_hardened, (
    "ip", "unshare", "chroot", "dpkg-deb", "ldd", "openssl", "dropbear", "dropbearkey",
    "lighttpd", "mosquitto", "mosquitto_passwd", "nft")))  # fmt: skip


# --------------------------------------------------------------------------------------------


class LabDevice:
    """One lab device. Use as a context manager; see the module docstring."""

    host = HOST

    def __init__(
        self,
        profile: str,
        workdir: str | os.PathLike[str] | None = None,
        *,
        max_lifetime: float | None = None,
    ) -> None:
        load_profiles()
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {sorted(PROFILES)}, not {profile!r}")
        self.profile = profile
        self.workdir = Path(workdir) if workdir else None
        self.max_lifetime = max_lifetime or float(
            os.environ.get("JCSTAR_LAB_MAX_SECONDS", DEFAULT_MAX_LIFETIME_S)
        )
        self.netns = f"jcs-{secrets.token_hex(3)}-{profile}"
        self.root: Path | None = None
        self.services: dict[str, int] = {}
        self.credentials: dict[str, tuple[str, str]] = {}
        self.accounts: dict[str, list[tuple[str, str]]] = {}
        self.ca_file: Path | None = None  # the self-signed server certificate (PEM)
        self.timings: dict[str, float] = {}
        self.teardown_report: dict[str, Any] = {}
        self._procs: list[subprocess.Popen[bytes]] = []
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._netns_created = False

    # -- public API ------------------------------------------------------------------------

    def __enter__(self) -> LabDevice:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LabDevice({self.profile!r}, netns={self.netns!r}, services={self.services})"

    @property
    def pids(self) -> dict[str, int]:
        """Daemon name -> current PID (changes on power cycle)."""
        if self.root and (self.root / "state.json").exists():
            return current_pids(self.root)
        return {}

    @property
    def power_cycle_command(self) -> str:
        """Shell command that, run inside the namespace (or outside it), restarts the daemons
        with their existing configuration files and waits until they listen again."""
        assert self.root, "device not started"
        return shlex.join([sys.executable, str(DEVICE_PY), "power-cycle", str(self.root)])

    def run(
        self,
        cmd: Sequence[str],
        timeout: float = 30.0,
        *,
        check: bool = False,
        input: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` inside the device's network namespace (text output, bounded in time)."""
        return subprocess.run(
            [_tool("ip"), "netns", "exec", self.netns, *cmd], capture_output=True, text=True,
            errors="replace", timeout=timeout, check=check, input=input, env=env,
            stdin=subprocess.DEVNULL if input is None else None,
        )  # fmt: skip

    def power_cycle(self, timeout: float = 60.0) -> dict[str, int]:
        r = self.run(["sh", "-c", self.power_cycle_command], timeout=timeout)
        if r.returncode != 0:
            raise LabError(f"power cycle failed:\n{r.stdout}{r.stderr}")
        return self.pids

    def reset_rate_limits(self) -> None:
        """Reload the hardened profile's firewall, which empties its per-source meters."""
        if self.root:
            _apply_firewall(_read_state(self.root), [_tool("ip"), "netns", "exec", self.netns])

    def log(self, name: str) -> str:
        assert self.root
        f = self.root / "logs" / f"{name}.log"
        return f.read_text(errors="replace") if f.exists() else ""

    def describe(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "netns": self.netns,
            "host": self.host,
            "services": self.services,
            "credentials": self.credentials,
            "pids": self.pids,
            "power_cycle_command": self.power_cycle_command,
            "ca_file": str(self.ca_file) if self.ca_file else None,
            "root": str(self.root),
        }

    # -- start / stop ----------------------------------------------------------------------

    def preflight(self) -> None:
        """Raise LabUnavailable (with the install hint) if this machine cannot run the
        profile: not root, a tool, the busybox-static .deb or lighttpd's TLS module missing."""
        if os.geteuid() != 0:
            raise LabUnavailable(
                "the device lab needs root (network namespaces, chroot, bind mounts)"
            )
        profile = PROFILES[self.profile]
        for tool in profile.needs:
            _tool(tool)
        if profile.lighttpd_tls and not (LIGHTTPD_MODULES / "mod_openssl.so").exists():
            raise LabUnavailable(
                "lighttpd TLS module not installed: apt-get install lighttpd-mod-openssl"
            )
        if profile.busybox:
            _find_busybox_deb()

    def start(self) -> None:
        t0 = time.monotonic()
        self.preflight()
        if self.workdir:
            self.workdir.mkdir(parents=True, exist_ok=True)
        _become_subreaper()
        self.root = Path(tempfile.mkdtemp(prefix=f"jcs-{self.profile}-", dir=self.workdir))
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.timings["start_s"] = round(time.monotonic() - t0, 3)

    def _start(self) -> None:
        root = self.root
        assert root
        root.chmod(0o755)
        for d in ("run", "logs", "tls", "www"):
            (root / d).mkdir(exist_ok=True)
        spec = PROFILES[self.profile].build(root)
        self.services = spec["services"]
        self.credentials = spec["credentials"]
        self.accounts = spec["accounts"]
        self.ca_file = root / "tls/server.crt"
        state = {
            "profile": self.profile,
            "netns": self.netns,
            "daemons": [asdict(d) for d in spec["daemons"]],
            "nft_file": spec["nft_file"],
        }
        _write(root / "state.json", json.dumps(state, indent=2))

        ip = _tool("ip")
        try:
            _sh([ip, "netns", "add", self.netns], timeout=15)
        except LabError as exc:
            raise LabUnavailable(f"cannot create a network namespace here: {exc}") from exc
        self._netns_created = True
        self._start_watchdog()
        _sh([ip, "-n", self.netns, "link", "set", "lo", "up"], timeout=15)
        prefix = [ip, "netns", "exec", self.netns]
        _apply_firewall(state, prefix)
        if (root / "lighttpd/lighttpd.conf").exists():
            _sh([*prefix, _tool("lighttpd"), "-tt", "-f", str(root / "lighttpd/lighttpd.conf")])
        self._procs = [_launch(root, d, prefix) for d in state["daemons"]]
        _wait_ports(root, state["daemons"], self._procs[0].pid, True, START_TIMEOUT_S)

    def _start_watchdog(self) -> None:
        assert self.root
        me = os.getpid()
        self._watchdog = subprocess.Popen(
            [sys.executable, str(DEVICE_PY), "watchdog", str(self.root), str(me),
             str(_starttime(me)), str(time.time() + self.max_lifetime)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )  # fmt: skip

    def _reap(self, pids: Iterable[int] = ()) -> None:
        """Collect the exit status of our daemons, and of lab processes that became our
        children (orphans of a power cycle or of a killed telnetd, see _become_subreaper),
        so no zombie stays behind. Only daemons and their descendants are passed in, never
        processes somebody else started inside the namespace."""
        mine = {proc.pid for proc in self._procs}
        for proc in self._procs:
            proc.poll()
        for pid in pids:
            if pid not in mine:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)

    def stop(self) -> None:
        """Kill the recorded processes, delete the namespace and the directory (idempotent)."""
        t0 = time.monotonic()
        # The watchdog stays up until the lab is gone: if this process is interrupted half-way,
        # it finishes the job (teardown() is idempotent and serialised by a lock).
        history: list[int] = []
        if self.root and self.root.exists():
            history = _history(self.root)
            self.teardown_report = teardown(self.root, reap=self._reap)
        elif self._netns_created and netns_inode(self.netns) is not None:
            _sh([_tool("ip"), "netns", "del", self.netns], timeout=15)
        if self.root and self.root.exists() and not _mounts_under(self.root):
            shutil.rmtree(self.root, ignore_errors=True)  # a start that failed early
        if self._watchdog is not None:
            self._watchdog.terminate()
            try:
                self._watchdog.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._watchdog.kill()
                self._watchdog.wait(timeout=5)
            self._watchdog = None
        self._reap([*history, *self.teardown_report.get("killed", [])])
        for proc in self._procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1)
        self.timings["stop_s"] = round(time.monotonic() - t0, 3)


# --------------------------------------------------------------------------------------------
# script entry points: power-cycle (the device's "power button"), watchdog, manual use

USAGE = """usage:
  device.py power-cycle ROOT            restart the daemons of the lab device in ROOT
  device.py teardown ROOT               kill its processes, delete its namespace and ROOT
  device.py up PROFILE [MINUTES]        start a device by hand, print it, wait (Ctrl-C stops)
  device.py watchdog ROOT PID START DEADLINE   (internal)"""


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "power-cycle":
        print(json.dumps(power_cycle(Path(argv[1]))))
        return 0
    if len(argv) >= 2 and argv[0] == "teardown":
        print(json.dumps(teardown(Path(argv[1]))))
        return 0
    if len(argv) == 5 and argv[0] == "watchdog":
        _watchdog(Path(argv[1]), int(argv[2]), argv[3], float(argv[4]))
        return 0
    if len(argv) >= 2 and argv[0] == "up":
        if not __package__:  # as a script: import as the package so profiles_*.py load
            sys.path.insert(0, str(DEVICE_PY.parents[2]))
            from tests.lab.device import main as package_main

            return package_main(argv)
        minutes = float(argv[2]) if len(argv) > 2 else 30.0
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # tear down on SIGTERM too
        with LabDevice(argv[1], max_lifetime=minutes * 60 + 60) as dev:
            print(json.dumps(dev.describe(), indent=2), flush=True)
            print(f"started in {dev.timings['start_s']} s; stops after {minutes} min or Ctrl-C")
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(minutes * 60)
        print(f"stopped in {dev.timings['stop_s']} s")
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
