"""What the image starts at boot (S1.1-13): telnetd, adbd, tftpd and ftpd; root shells on
a serial console; dropbear or sshd letting root log in with a password.

Read from /etc/inittab, rc scripts (/etc/init.d, /etc/rc.d, /etc/rc.local), inetd.conf,
sshd_config and the systemd units enabled by ``*.wants/`` links. A daemon counts as
started only where it is the command of a line (or the program a wrapper such as
busybox, start-stop-daemon or tcpsvd runs), so ``killall telnetd`` is not a finding.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Literal

import yaml
from pydantic import Field

from jcstar.checks.base import CannotJudge, Check, CheckInput, Frozen, Observation, data_path
from jcstar.checks.firmware.collect.image import (
    DEFAULT_BUDGET_S,
    TARGET,
    check_budget,
    unpacked_image,
)
from jcstar.checks.firmware.collect.reading import (
    location,
    read_text,
    require_complete,
    rootfs_dirs,
    text_files,
)
from jcstar.checks.firmware.collect.shell import commands, words
from jcstar.targets.firmware import PathEscape, safe_path

RC_DIRS = ("/etc/init.d", "/etc/rc.d", "/etc/init")
RC_FILES = ("/etc/rc.local", "/etc/rc", "/etc/rcS", "/etc/preinit")
SYSTEMD_DIRS = ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")
#: commands that run another program named among their arguments
WRAPPERS = {
    "busybox", "start-stop-daemon", "tcpsvd", "udpsvd", "inetd", "nohup", "setsid", "exec",
    "env", "procd_set_param", "service_start", "respawn", "daemonize", "chroot",
}  # fmt: skip
#: commands that are not services, left out of the list of programs started at boot
UTILITIES = {
    "", "[", "test", "echo", "printf", "mount", "umount", "mkdir", "rm", "cp", "mv", "ln",
    "chmod", "chown", "cat", "sed", "grep", "sleep", "kill", "killall", "pkill", "pidof",
    "touch", "mknod", "insmod", "modprobe", "ifconfig", "ip", "route", "hostname", "sysctl",
    "exit", "return", "export", "source", ".", "true", "false", "case", "esac", "fi", "done",
}  # fmt: skip
#: boot scripts parsed per root filesystem, in bytes: shell parsing is slow, and an image
#: must not make it take hours; scripts beyond this are listed as not read
MAX_SCRIPT_BYTES = 16 * 1024**2
SHELLS = {"sh", "ash", "bash", "hush", "msh", "dash", "zsh"}
#: inittab actions whose process runs at boot or stays running
INIT_ACTIONS = {"sysinit", "wait", "once", "respawn", "askfirst", "boot", "bootwait", "initdefault"}


class RiskyDaemon(Frozen):
    names: tuple[str, ...] = Field(min_length=1)
    service: str
    port: int
    protocol: Literal["tcp", "udp"]
    basis: Literal["seed", "official", "judgement"]
    risk: str = Field(min_length=1)


@cache
def risky_daemons() -> dict[str, RiskyDaemon]:
    """Program basename -> daemon, from ``checks/data/firmware-boot-services.yaml``."""
    path = data_path("firmware-boot-services.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    daemons = [RiskyDaemon.model_validate(d) for d in data["daemons"]]
    return {name: daemon for daemon in daemons for name in daemon.names}


class BootFinding(Frozen):
    path: str
    line: int
    text: str
    service: str
    risk: str
    #: the profile declares the daemon's port needed, with this reason
    accepted: str = ""


class BootScan(Frozen):
    #: boot configuration files read (inittab, rc scripts, units)
    sources: tuple[str, ...]
    findings: tuple[BootFinding, ...]
    #: other programs started at boot, for the reviewer (basename, path:line)
    started: tuple[str, ...] = ()
    #: boot scripts not read because the byte budget was spent
    not_read: tuple[str, ...] = ()


def programs(command: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(program basename, its arguments) this command starts: itself, and for a wrapper
    (``busybox telnetd``, ``tcpsvd 0 21 ftpd``) the programs among its arguments."""
    name = PurePosixPath(command[0]).name
    started = [(name, list(command[1:]))]
    if name == "start-stop-daemon" and ("-K" in command or "--stop" in command):
        return started  # it stops the daemon named
    if name in WRAPPERS:
        for index, word in enumerate(command[1:], start=1):
            inner = PurePosixPath(word).name
            if inner in risky_daemons() or inner in ("dropbear", "sshd", "getty", "agetty"):
                started.append((inner, list(command[index + 1 :])))
    return started


#: inetd server programs that run the program named by the next field (tcp wrappers)
INETD_WRAPPERS = {"tcpd", "busybox", "internal"}


def inetd_command(fields: Sequence[str]) -> list[str]:
    """The command an inetd.conf line runs: the server program (field 6) with the
    arguments after its argv[0] (field 7, the program's own name, counted once); for
    tcpd or busybox, the program they run."""
    server, argv = fields[5], list(fields[6:])
    if PurePosixPath(server).name in INETD_WRAPPERS and argv:
        return argv
    return [server, *argv[1:]]


def dropbear_allows_root_password(args: Sequence[str]) -> bool | None:
    """dropbear lets root log in with a password unless given -w (no root), -g (no
    root password) or -s (no passwords at all); single-letter flags may be combined.
    None when the options come from a variable (``$DROPBEAR_ARGS``): we cannot tell."""
    if any("$" in a for a in args):
        return None
    flags = "".join(a[1:] for a in args if re.fullmatch(r"-[A-Za-z]+", a))
    return not any(flag in flags for flag in "wgs")


def getty_root_shell(name: str, args: Sequence[str]) -> str:
    """Why this getty/login invocation gives a root shell without a password, or ""."""
    joined = " ".join(args)
    if name in ("getty", "agetty") and re.search(r"(^|\s)(-a|--autologin)[\s=]root\b", joined):
        return "getty logs root in automatically"
    if name in ("getty", "agetty") and "-n" in args and "-l" in args:
        login = args[args.index("-l") + 1] if args.index("-l") + 1 < len(args) else ""
        if PurePosixPath(login).name in SHELLS:
            return "getty runs a shell instead of login"
    if name == "login" and "-f" in args and "root" in args:
        return "login -f root skips the password"
    return ""


class _Scanner:
    def __init__(self, rootfs: Path) -> None:
        self.rootfs = rootfs
        self.sources: list[str] = []
        self.findings: list[BootFinding] = []
        self.started: list[str] = []
        self.not_read: list[str] = []
        self.budget = MAX_SCRIPT_BYTES

    def finding(self, path: str, number: int, text: str, service: str, risk: str) -> None:
        if any((f.path, f.line, f.service) == (path, number, service) for f in self.findings):
            return  # one line starting one service is one finding
        self.findings.append(
            BootFinding(path=path, line=number, text=text.strip()[:200], service=service, risk=risk)
        )

    def command_line(self, path: str, number: int, text: str) -> None:
        for command in commands(text):
            for name, args in programs(command):
                self.program(path, number, text, name, args)

    def program(self, path: str, number: int, text: str, name: str, args: list[str]) -> None:
        daemon = risky_daemons().get(name)
        if daemon:
            self.finding(path, number, text, daemon.service, daemon.risk)
        elif name in ("dropbear", "dropbearmulti"):
            if name == "dropbearmulti":
                if not args or PurePosixPath(args[0]).name != "dropbear":
                    return
                args = args[1:]
            allows = dropbear_allows_root_password(args)
            if allows:
                self.finding(
                    path, number, text, "ssh-root-password",
                    "dropbear started without -w, -g or -s: root can log in with a password",
                )  # fmt: skip
            elif allows is None:
                self.started.append(f"dropbear with options from a variable ({path}:{number})")
        elif name in ("getty", "agetty", "login"):
            why = getty_root_shell(name, args)
            if why:
                self.finding(path, number, text, "console-root-shell", why)
        if name not in UTILITIES:
            self.started.append(f"{name} ({path}:{number})")

    def script(self, path: str, text: str) -> None:
        if len(text) > self.budget:
            self.not_read.append(path)
            return
        self.budget -= len(text)
        self.sources.append(path)
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                self.command_line(path, number, line)

    def inittab(self) -> None:
        text = read_text(self.rootfs, "/etc/inittab")
        if text is None:
            self.busybox_default_inittab()
            return
        self.sources.append("/etc/inittab")
        for number, line in enumerate(text.splitlines(), start=1):
            parts = line.split(":", 3)
            if line.lstrip().startswith("#") or len(parts) < 4 or parts[2] not in INIT_ACTIONS:
                continue
            tty, process = parts[0] or "console", parts[3].strip()
            argv = words(process)
            if not argv:
                continue
            shell = PurePosixPath(argv[0].lstrip("-")).name
            if shell in SHELLS and parts[2] in ("respawn", "askfirst", "once", "wait"):
                self.finding(
                    "/etc/inittab", number, line, "console-root-shell",
                    f"a root shell without login on {tty}",
                )  # fmt: skip
                continue
            self.command_line("/etc/inittab", number, process)

    def busybox_default_inittab(self) -> None:
        """busybox init without /etc/inittab runs its built-in table, which starts
        ``askfirst`` root shells on the console and tty2-4 (busybox init/init.c)."""
        try:
            init = safe_path(self.rootfs, "/sbin/init")
        except PathEscape:
            return
        if init.name == "busybox" and init.is_file():
            self.sources.append("/sbin/init")
            self.finding(
                "/sbin/init", 0, "busybox init, no /etc/inittab", "console-root-shell",
                "busybox init without an inittab starts root shells on the console (askfirst)",
            )  # fmt: skip

    def rc_scripts(self) -> None:
        for directory in RC_DIRS:
            for path, text in text_files(self.rootfs, directory):
                self.script(path, text)
        for path in RC_FILES:
            found = read_text(self.rootfs, path)
            if found is not None:
                self.script(path, found)

    def inetd(self) -> None:
        text = read_text(self.rootfs, "/etc/inetd.conf")
        if text is None:
            return
        self.sources.append("/etc/inetd.conf")
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split()
            if len(fields) >= 6 and not line.lstrip().startswith("#"):
                for name, args in programs(inetd_command(fields)):
                    self.program("/etc/inetd.conf", number, line, name, args)

    def sshd(self) -> None:
        text = read_text(self.rootfs, "/etc/ssh/sshd_config")
        if text is None:
            return
        self.sources.append("/etc/ssh/sshd_config")
        first: dict[str, tuple[int, str, str]] = {}  # sshd: the first value of a keyword wins
        for number, line in enumerate(text.splitlines(), start=1):
            words = line.split("#", 1)[0].split()
            if words and words[0].lower() == "match":
                break  # conditional blocks: not the defaults
            if len(words) >= 2:
                first.setdefault(words[0].lower(), (number, line, words[1].lower()))
        root = first.get("permitrootlogin")
        password = first.get("passwordauthentication")
        if root and root[2] == "yes" and (password is None or password[2] != "no"):
            self.finding(
                "/etc/ssh/sshd_config", root[0], root[1], "ssh-root-password",
                "sshd permits root login with password authentication",
            )  # fmt: skip
        empty = first.get("permitemptypasswords")
        if empty and empty[2] == "yes":
            self.finding(
                "/etc/ssh/sshd_config", empty[0], empty[1], "ssh-empty-password",
                "sshd accepts empty passwords",
            )  # fmt: skip

    def systemd(self) -> None:
        for unit_path in enabled_units(self.rootfs):
            text = read_text(self.rootfs, unit_path)
            if text is None:
                continue
            self.sources.append(unit_path)
            for number, line in enumerate(text.splitlines(), start=1):
                key, _, value = line.partition("=")
                if key.strip() in ("ExecStart", "ExecStartPre", "ExecStartPost"):
                    self.command_line(unit_path, number, value.strip().lstrip("-@:+!"))


def enabled_units(rootfs: Path) -> list[str]:
    """Device paths of the unit files that ``*.wants/`` and ``*.requires/`` links enable."""
    units: dict[str, None] = {}
    for directory in SYSTEMD_DIRS:
        try:
            host = safe_path(rootfs, directory)
            groups = [e for e in os.scandir(host) if e.name.endswith((".wants", ".requires"))]
        except (OSError, PathEscape):
            continue
        for group in groups:
            try:
                links = sorted(e.name for e in os.scandir(group.path))
            except OSError:
                continue
            for name in links:
                # the link's target is the unit, resolved inside the rootfs
                units[f"{directory}/{group.name}/{name}"] = None
    return list(units)


def scan_boot(rootfs: Path) -> BootScan:
    scanner = _Scanner(rootfs)
    scanner.inittab()
    scanner.rc_scripts()
    scanner.inetd()
    scanner.sshd()
    scanner.systemd()
    return BootScan(
        sources=tuple(dict.fromkeys(scanner.sources)),
        findings=tuple(scanner.findings),
        started=tuple(dict.fromkeys(scanner.started)),
        not_read=tuple(scanner.not_read),
    )


def _accept(
    findings: Iterable[BootFinding], needed: dict[tuple[int, str], str]
) -> list[BootFinding]:
    """Mark daemons whose port the profile declares needed (with its reason)."""
    ports = {d.service: (d.port, d.protocol) for d in risky_daemons().values()}
    marked = []
    for finding in findings:
        reason = needed.get(ports.get(finding.service, (-1, "")), "")
        marked.append(finding.model_copy(update={"accepted": reason}) if reason else finding)
    return marked


def boot_observation(
    scans: Sequence[tuple[str, BootScan]],
    needed: dict[tuple[int, str], str],
    complete: bool = True,
    problems: Sequence[str] = (),
) -> Observation:
    """One observation over the scans of each root filesystem (``prefix``, scan)."""
    sources = [prefix + s for prefix, scan in scans for s in scan.sources]
    if not sources:
        raise CannotJudge(
            "no boot configuration found (inittab, rc scripts, systemd units)"
            + ("; the image was cut short" if not complete else ""),
            "undetermined" if complete else "cut_short",
        )
    findings = [
        f.model_copy(update={"path": prefix + f.path})
        for prefix, scan in scans
        for f in _accept(scan.findings, needed)
    ]
    flagged = [f for f in findings if not f.accepted]
    details: dict[str, Any] = {
        "sources": sources,
        "findings": [f.model_dump() for f in findings],
        "started": [prefix + s for prefix, scan in scans for s in scan.started][:200],
        "not_read": [prefix + s for prefix, scan in scans for s in scan.not_read][:200],
    }
    if flagged:
        return Observation(
            topic="boot_services",
            outcome="fail",
            message=f"{len(flagged)} high-risk service(s) started at boot: "
            + "; ".join(f"{f.path}:{f.line} {f.service} ({f.risk})" for f in flagged),
            details=details,
        )
    require_complete(complete, problems, "finding no risky service at boot")
    if details["not_read"]:
        raise CannotJudge(
            f"{len(details['not_read'])} boot script(s) not read: more than "
            f"{MAX_SCRIPT_BYTES // 1024**2} MiB of boot scripts (first: {details['not_read'][0]})",
            "cut_short",
        )
    accepted = [f"{f.service} ({f.accepted})" for f in findings]
    return Observation(
        topic="boot_services",
        outcome="pass",
        message=f"no undeclared high-risk service started at boot ({len(sources)} boot files read)"
        + (f"; declared needed: {', '.join(accepted)}" if accepted else ""),
        details=details,
    )


class FirmwareBootServicesCheck(Check):
    id: ClassVar[str] = "firmware.boot_services"
    version: ClassVar[str] = "1.1"
    data_files: ClassVar[tuple[str, ...]] = ("firmware-boot-services.yaml",)
    title: ClassVar[str] = "Firmware: high-risk services and console shells started at boot"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("boot_services",)
    budget_s = DEFAULT_BUDGET_S

    def budget_for(self, given: CheckInput) -> float:
        return check_budget(given)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        image = await unpacked_image(given)

        def scan() -> list[tuple[str, BootScan]]:
            return [(location(image, fs, ""), scan_boot(fs)) for fs in rootfs_dirs(image)]

        scans = await asyncio.to_thread(scan)
        return (boot_observation(scans, given.product.needed(), image.complete, image.problems),)
