"""Where an image keeps its password databases, beyond ``/etc/passwd`` and ``/etc/shadow``.

Vendor images often write their account files at run time: ``/etc/passwd`` links to
``/var/passwd`` or ``/tmp/passwd`` (it dangles in the image), and a boot script fills it
from a defaults file (``cp /etc/defaults/shadow /var/shadow``, ``cat … > …``, ``ln -s``).
Web logins sit in nvram defaults (``http_passwd=admin``) or OpenWrt UCI files (``option
password``). This module finds them all, by syntax and by what the boot scripts do, and
says what the image does not show, so that a missing file never reads as "locked".
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Literal, NamedTuple

from jcstar.checks.firmware.collect.configfiles import (
    Setting,
    file_settings,
    is_documentation,
    judge,
    key_kind,
    nvram_records,
)
from jcstar.checks.firmware.collect.reading import TEXT_LIMIT, is_text, read_text, text_files
from jcstar.checks.firmware.collect.shell import commands, words
from jcstar.targets.firmware import PathEscape, iter_files, read_in_rootfs, safe_path

ACCOUNT_FILES = ("/etc/passwd", "/etc/shadow")
#: boot scripts: rc directories, OpenWrt's preinit, and what inittab starts
BOOT_DIRS = ("/etc/init.d", "/etc/rc.d", "/etc/init", "/lib/preinit", "/etc/preinit.d")
BOOT_FILES = ("/etc/rc.local", "/etc/rc", "/etc/rcS", "/etc/preinit", "/etc/profile")
#: boot script bytes read per root filesystem (shell parsing is slow)
MAX_BOOT_BYTES = 16 * 1024**2
#: names of files that may hold a password database (passwd, shadow.default, …)
_DATABASE_NAME = re.compile(r"(^|[._-])(passwd|shadow|passwords?)([._-]|$)", re.I)
#: names of nvram defaults files (nvram.default, default_nvram.txt, nvram.txt)
_NVRAM_NAME = re.compile(r"nvram|^default[s]?([._-]|$)|[._-]defaults?$", re.I)
#: an account with a crypt hash written into a boot script (echo 'root:$1$…' > …)
_SCRIPT_HASH = re.compile(r"(?<![\w$])([a-z_][\w.-]{0,31}):(\$(?:1|5|6|2[aby]?|apr1)\$[./\w$=]+)")
#: words of a setting's key that make it a credential the device uses elsewhere (an
#: upstream, ISP, Wi-Fi or mail password), not one to log in to the device
CLIENT_WORDS = {
    "remote", "upstream", "client", "proxy", "ppp", "pppoe", "pptp", "l2tp", "ddns", "dyndns",
    "smtp", "mail", "email", "radius", "wan", "vpn", "openvpn", "wps", "wl", "wlan", "wifi",
    "wpa", "sta", "cloud", "bridge", "noip", "tunnel", "sip", "voip", "3g", "4g", "lte", "apn",
}  # fmt: skip
USER_WORDS = ("username", "user", "login", "account")
#: UCI files and section types that configure a client of something else (the WAN
#: link, Wi-Fi, an upstream broker), whose passwords are not logins to the device
UCI_CLIENT = {
    "network", "wireless", "interface", "iface", "service", "ddns", "openvpn", "mosquitto",
    "mwan3", "ipsec", "wireguard", "msmtp", "email", "bridge", "upnpd", "samba",
}  # fmt: skip
Syntax = Literal["passwd", "shadow"]


class Source(NamedTuple):
    """A file holding account records, as the device would read it."""

    path: str
    syntax: Syntax
    text: str
    #: how it becomes an account file ("copied to /var/shadow at boot by /etc/init.d/rcS:5")
    via: str = ""


class Copy(NamedTuple):
    source: str
    #: the destination as the script names it, and as it resolves in the image
    destination: str
    resolved: str
    script: str
    line: int

    @property
    def via(self) -> str:
        return f"copied to {self.destination} at boot by {self.script}:{self.line}"


class Credential(NamedTuple):
    """A login password in a settings file (nvram defaults, UCI)."""

    name: str
    password: str
    path: str
    setting: str


# --- syntax ---------------------------------------------------------------------------------


def _records(text: str) -> list[list[str]]:
    return [
        line.split(":")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def syntax_of(text: str) -> Syntax | None:
    """``passwd`` (7 fields, numeric uid and gid), ``shadow`` (9 fields, the day of the
    last change numeric or empty) or None, decided by most of the file's records."""
    records = _records(text)
    if not records:
        return None
    passwd = sum(1 for r in records if len(r) == 7 and r[0] and r[2].isdigit() and r[3].isdigit())
    shadow = sum(1 for r in records if len(r) in (8, 9) and r[0] and (r[2] == "" or r[2].isdigit()))
    best, count = max((("passwd", passwd), ("shadow", shadow)), key=lambda item: item[1])
    if count == 0 or count * 2 < len(records):
        return None
    return "passwd" if best == "passwd" else "shadow"


# --- boot scripts ---------------------------------------------------------------------------


def boot_scripts(rootfs: Path) -> Iterator[tuple[str, str]]:
    """(device path, text) of the image's boot scripts, and of what inittab starts."""
    budget = MAX_BOOT_BYTES
    seen: set[str] = set()

    def take(path: str, text: str) -> bool:
        nonlocal budget
        if path in seen or len(text) > budget:
            return False
        budget -= len(text)
        seen.add(path)
        return True

    inittab = read_text(rootfs, "/etc/inittab") or ""
    started = []
    for line in inittab.splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4 and not line.lstrip().startswith("#"):
            argv = words(parts[3])
            if argv and argv[0].startswith("/"):
                started.append(argv[0])
    for directory in BOOT_DIRS:
        for path, text in text_files(rootfs, directory):
            if take(path, text):
                yield path, text
    for path in (*BOOT_FILES, *started):
        found = read_text(rootfs, path)
        if found is not None and take(path, found):
            yield path, found


def device_path(rootfs: Path, path: str) -> str:
    """Where ``path`` lands in the image once its links are followed (``/var/passwd``
    with ``/var -> /tmp`` is ``/tmp/passwd``); the path itself when it escapes."""
    try:
        host = safe_path(rootfs, path)
    except PathEscape:
        return path
    return "/" + host.relative_to(os.path.realpath(rootfs)).as_posix()


_STDOUT = re.compile(r"^1?>>?(.*)$")
_REDIRECT = re.compile(r"^\d*[<>]")


def _copy_commands(text: str) -> Iterator[tuple[int, list[str], str]]:
    """(line, sources, destination) of every cp / install / mv / ln / cat-redirect."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#") or not any(c in line for c in ("cp", "ln", "cat", ">")):
            continue
        for command in commands(line):
            name = PurePosixPath(command[0]).name
            args = command[1:]
            if name == "cat":
                outputs = [i for i, w in enumerate(args) if _STDOUT.match(w)]
                if not outputs:
                    continue
                at = outputs[0]
                target = _STDOUT.match(args[at]).group(1)  # type: ignore[union-attr]
                if not target and at + 1 < len(args):
                    target = args[at + 1]
                sources = [a for a in args[:at] if not a.startswith("-") and not _REDIRECT.match(a)]
                if target and sources:
                    yield number, sources, target
            elif name in ("cp", "install", "mv", "ln"):
                plain = [a for a in args if not a.startswith("-") and not _REDIRECT.match(a)]
                if len(plain) >= 2:
                    yield number, plain[:-1], plain[-1]


def boot_copies(rootfs: Path, scripts: list[tuple[str, str]]) -> list[Copy]:
    """Copies (and links) that boot scripts make onto an account file: a destination
    named passwd or shadow, or where /etc/passwd or /etc/shadow resolves to."""
    targets = {device_path(rootfs, p) for p in ACCOUNT_FILES}
    found: list[Copy] = []
    for script, text in scripts:
        for line, sources, destination in _copy_commands(text):
            if "$" in destination or "`" in destination:
                continue
            for source in sources:
                if "$" in source or not source.startswith("/"):
                    continue
                landing = destination
                if destination.endswith("/") or _is_dir(rootfs, destination):
                    landing = destination.rstrip("/") + "/" + PurePosixPath(source).name
                resolved = device_path(rootfs, landing)
                named = PurePosixPath(landing).name.rstrip("-+") in ("passwd", "shadow")
                if resolved in targets or named:
                    found.append(Copy(source, landing, resolved, script, line))
    return found


def _is_dir(rootfs: Path, path: str) -> bool:
    try:
        return safe_path(rootfs, path).is_dir()
    except PathEscape:
        return False


def script_hashes(scripts: list[tuple[str, str]]) -> Iterator[tuple[str, str, str, int]]:
    """(account, crypt hash, script, line) written into boot scripts."""
    for script, text in scripts:
        if "$" not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for found in _SCRIPT_HASH.finditer(line):
                yield found.group(1), found.group(2), script, number


# --- password databases ---------------------------------------------------------------------


def _read(rootfs: Path, path: str) -> str | None:
    try:
        data = read_in_rootfs(rootfs, path, TEXT_LIMIT)
    except (OSError, PathEscape):
        return None
    return data.decode("utf-8", "replace") if is_text(data) else None


def dangling(rootfs: Path, path: str) -> str:
    """The target of ``path`` when it is a link to nothing the image holds, else ""."""
    try:
        link = safe_path(rootfs, os.path.dirname(path)) / os.path.basename(path)
        if not link.is_symlink():
            return ""
        target = os.readlink(link)
    except (OSError, PathEscape):
        return ""
    try:
        safe_path(rootfs, path).lstat()
    except (OSError, PathEscape):
        return target
    return ""


class Databases(NamedTuple):
    sources: list[Source]
    #: what the image does not show, in words
    undetermined: list[str]
    #: accounts written into boot scripts: (name, hash, script, line)
    scripted: list[tuple[str, str, str, int]]
    credentials: list[Credential]


def find_databases(
    rootfs: Path, limit: int | None = None, nested: tuple[Path, ...] = ()
) -> Databases:
    """Every password database of the image: /etc/passwd and /etc/shadow, files with
    their syntax anywhere (a defaults directory, /etc/config), the files boot scripts
    copy onto them, hashes written by boot scripts, and login passwords in nvram
    defaults and UCI files. Walks at most ``limit`` directory entries, and not into the
    ``nested`` root filesystems (each is read on its own)."""
    scripts = list(boot_scripts(rootfs))
    copies = boot_copies(rootfs, scripts)
    sources: list[Source] = []
    undetermined: list[str] = []
    read: set[str] = set()

    def add(path: str, text: str, via: str = "") -> None:
        syntax = syntax_of(text)
        if syntax is not None:
            sources.append(Source(path, syntax, text, via))

    for path in ACCOUNT_FILES:
        read.add(device_path(rootfs, path))
        text = _read(rootfs, path)
        if text is not None:
            add(path, text)
            continue
        target = dangling(rootfs, path)
        resolved = device_path(rootfs, path)
        written = [c for c in copies if c.resolved == resolved]
        if not written and target:
            undetermined.append(
                f"{path} links to {target}, which the image does not hold (written at run time)"
            )
        for copy in written:
            if copy.source in read:
                continue
            copied = _read(rootfs, copy.source)
            if copied is None:
                undetermined.append(
                    f"{path} is {copy.via} from {copy.source}, which the image does not hold"
                )
            else:
                read.add(copy.source)
                add(copy.source, copied, copy.via)
    for copy in copies:  # copies onto other account files (/tmp/shadow read by a daemon)
        if copy.source not in read and copy.resolved not in read:
            copied = _read(rootfs, copy.source)
            if copied is not None:
                read.add(copy.source)
                add(copy.source, copied, copy.via)
    credentials: list[Credential] = []
    for path, host in iter_files(rootfs, limit):
        if path in read or is_documentation(path):
            continue
        if nested and any(host.is_relative_to(fs) for fs in nested):
            continue
        name = PurePosixPath(path).name
        settings_file = path.startswith("/etc/config/") or bool(_NVRAM_NAME.search(name))
        if not (_DATABASE_NAME.search(name) or settings_file):
            continue
        try:
            if host.lstat().st_size > TEXT_LIMIT:
                continue
            data = read_in_rootfs(rootfs, path, TEXT_LIMIT)
        except (OSError, PathEscape):
            continue
        if is_text(data):
            text = data.decode("utf-8", "replace")
            if _DATABASE_NAME.search(name) and syntax_of(text):
                read.add(path)
                add(path, text)
            elif settings_file:
                fmt, settings = file_settings(path, text)
                credentials += login_credentials(settings, path, fmt == "uci")
        elif settings_file:
            records = nvram_records(data)
            if records:
                settings = [Setting(k, v, None) for k, v in records]
                credentials += login_credentials(settings, path, False)
    return Databases(sources, undetermined, list(script_hashes(scripts)), credentials)


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


def login_credentials(settings: list[Setting], path: str, uci: bool) -> list[Credential]:
    """Passwords to log in to the device in a settings file: a key naming a password
    (not a Wi-Fi key, not an upstream or ISP credential) with a value, not a variable, a
    hash reference (UCI's ``$p$root``) or nothing. The account is the sibling user
    setting (``http_username`` for ``http_passwd``; ``option username`` of the same UCI
    section), or the key itself."""
    found: list[Credential] = []
    if uci and set(_words(PurePosixPath(path).name)) & (UCI_CLIENT | CLIENT_WORDS):
        return found
    users: dict[str, str] = {}  # nvram: http_username beside http_passwd
    for setting in settings:
        tokens = _words(setting.key)
        if not uci and tokens and tokens[-1] in USER_WORDS:
            users.setdefault("_".join(tokens[:-1]), setting.value)
    user, section = "", None  # UCI: the username option of the same section
    for setting in settings:
        if uci and setting.section != section:
            user, section = "", setting.section
        if uci and setting.key in USER_WORDS:
            user = setting.value
        if key_kind(setting.key, "uci" if uci else "nvram", setting.section) != "password":
            continue
        tokens = _words(setting.key)
        if uci:  # the section's type: "interface#12" configures the WAN link
            tokens += _words(setting.section.split("#")[0])
        if any(
            t in CLIENT_WORDS or t.rstrip("0123456789") in CLIENT_WORDS or (uci and t in UCI_CLIENT)
            for t in tokens
        ):
            continue
        if judge(setting.value) in ("empty", "reference"):
            continue
        name = user if uci else users.get("_".join(tokens[:-1]), "")
        found.append(Credential(name or setting.key, setting.value, path, setting.key))
    return found
