"""Settings in the configuration formats embedded Linux uses, read by their syntax, and
whether a setting's value is a secret (S1.1-11) or a password (S1.1-02).

One small parser per format: OpenWrt UCI (``option name 'value'``), shell-style and
env files (``KEY=value``, ``export KEY="value"``), INI and colon configs (``key = value``,
``key: value`` under ``[section]``), JSON, and nvram dumps (``key=value\\0`` records, as
``nvram show`` writes them or a defaults partition holds them). A finding rests on a
value, never on a key name: an empty value, a variable or template (``$PASS``,
``${PASSWORD}``, ``%s``, ``{{ x }}``, ``<token>``), a crypt hash, a file name or a word
that documents rather than sets a password (``changeme``, ``your-password-here``) is no
secret. Files whose syntax names databases rather than storing values (nsswitch.conf,
PAM, group and passwd files) and documentation (man pages, ``/usr/share/doc``,
``*.sample``, ``*.example``) are not read for settings at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import PurePosixPath
from typing import Any, Literal, NamedTuple

import yaml

from jcstar.checks.base import data_path

Format = Literal["uci", "json", "nvram", "keyvalue"]
Judgement = Literal["empty", "reference", "dummy", "value"]
KeyKind = Literal["password", "wifi_key", "token"]


class Setting(NamedTuple):
    key: str
    value: str
    #: 1-based line, None where the format has no lines (nvram records, JSON)
    line: int | None
    #: UCI section type and its line (``wifi-iface#12``), INI section, "" elsewhere
    section: str = ""


@cache
def _vocabulary() -> dict[str, Any]:
    path = data_path("firmware-secret-patterns.yaml")
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["settings"]
    return data


# --- which files hold settings -------------------------------------------------------------


def is_documentation(path: str) -> bool:
    """Man pages, shipped documentation and example or template configs: a password in
    them documents the syntax, it is not the device's."""
    vocab = _vocabulary()
    lowered = path.lower()
    if any(part in lowered for part in vocab["documentation_dirs"]):
        return True
    name = PurePosixPath(lowered).name
    if re.search(r"\.[1-9][a-z]?(\.gz)?$", name) and "/man" in lowered:
        return True
    return name.endswith(tuple(vocab["documentation_suffixes"]))


def names_no_values(path: str) -> bool:
    """Files whose syntax names databases or modules rather than storing values:
    ``passwd: files`` in nsswitch.conf, ``password required pam_unix.so`` in PAM; and
    program code (``password: form.pw.value`` in a web UI's JavaScript)."""
    vocab = _vocabulary()
    device = PurePosixPath(path)
    name = device.name.lower()
    if name in vocab["no_value_files"] or name.rstrip("-") in vocab["no_value_files"]:
        return True
    if name.endswith(tuple(vocab["code_suffixes"])):
        return True
    return any(part in vocab["no_value_dirs"] for part in device.parent.parts)


def is_uci(path: str, text: str) -> bool:
    if "/etc/config/" in path:
        return True
    head = [line.strip() for line in text.splitlines()[:40] if line.strip()]
    head = [line for line in head if not line.startswith("#")]
    return (
        bool(head)
        and head[0].startswith("config ")
        and any(line.startswith(("option ", "list ")) for line in head)
    )


_NVRAM_KEY = re.compile(r"^[A-Za-z_][\w.:/-]{0,63}$")


def nvram_records(data: bytes) -> list[tuple[str, str]] | None:
    """``key=value\\0`` records, or None when the data is not an nvram dump (at least
    three records, and most NUL-separated pieces are records)."""
    if data[:4] == b"\x7fELF" or data.count(b"=") < 3:
        return None
    pieces = [p for p in data.split(b"\0") if p]
    records: list[tuple[str, str]] = []
    for piece in pieces[:100_000]:
        key, sep, value = piece.decode("latin-1").partition("=")
        if sep and _NVRAM_KEY.match(key):
            records.append((key, value))
    if len(records) < 3 or len(records) * 2 < len(pieces):
        return None
    return records


# --- one parser per format -----------------------------------------------------------------


def _unquote(raw: str) -> str:
    """A value as the shell, INI and UCI readers would take it: quotes removed, a
    trailing comment dropped outside quotes."""
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        return raw[1:end] if end > 0 else raw[1:]
    # an unquoted value ends at a comment that follows whitespace (or at a ; in shell)
    value = re.split(r"\s+[#;]", raw, maxsplit=1)[0]
    return value.rstrip(",").strip()


_UCI = re.compile(r"^\s*(option|list)\s+([\w.-]+)\s*(.*)$")
_SECTION = re.compile(r"^\s*config\s+([\w.-]+)")


def uci_settings(text: str) -> Iterator[Setting]:
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _SECTION.match(line)
        if header:  # the type, and where it starts: two sections of one type differ
            section = f"{header.group(1)}#{number}"
            continue
        found = _UCI.match(line)
        if found:
            yield Setting(found.group(2), _unquote(found.group(3)), number, section)


_ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+|set\s+|readonly\s+|local\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*([=:])\s*(.*)$"""
)


def keyvalue_settings(text: str) -> Iterator[Setting]:
    """Shell/env (``KEY=value``), INI (``key = value`` under ``[section]``) and colon
    configs (``key: value``); comment lines (#, ;, //) are skipped."""
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";", "//", "!", "*", "--")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        found = _ASSIGNMENT.match(line)
        if not found:
            continue
        key, sign, rest = found.groups()
        if sign == "=" and rest.startswith("="):
            continue  # a comparison (==), not a setting
        if sign == ":" and rest.startswith(("//", ":")):
            continue  # a URL or a C++ scope, not a setting
        yield Setting(key, _unquote(rest), number, section)


def json_settings(text: str, data: Any = None) -> Iterator[Setting]:
    """Every ``"key": scalar`` at any depth of a JSON document (``data``: already parsed)."""
    if data is None:
        try:
            data = json.loads(text)
        except ValueError:
            return

    def walk(node: Any, depth: int) -> Iterator[Setting]:
        if depth > 64:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str | int | float) and not isinstance(value, bool):
                    where = text.find(json.dumps(value))
                    line = text.count("\n", 0, where) + 1 if where >= 0 else None
                    yield Setting(str(key), str(value), line)
                else:
                    yield from walk(value, depth + 1)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item, depth + 1)

    yield from walk(data, 0)


def file_settings(path: str, text: str) -> tuple[Format, list[Setting]]:
    """The format of a text file and its settings, read by that format's syntax."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            pass  # an INI [section], or broken JSON: read line by line
        else:
            return "json", list(json_settings(text, data))
    if is_uci(path, text):
        return "uci", list(uci_settings(text))
    return "keyvalue", list(keyvalue_settings(text))


# --- what a key names, what a value is ------------------------------------------------------


def _tokens(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


def key_kind(key: str, fmt: Format, section: str = "") -> KeyKind | None:
    """What a setting's key names: a password (``password``, ``http_passwd``,
    ``wpa_passphrase``), a Wi-Fi key (UCI ``option key`` of a wifi-iface, ``wpa_psk``)
    or an API token / secret key; None for anything else (``password_min_length``,
    ``PASS_MAX_DAYS``). The key must end with the word."""
    vocab = _vocabulary()
    tokens = _tokens(key)
    if not tokens:
        return None
    last = tokens[-1]
    joined = "".join(tokens)
    prefixes = vocab["wifi_key_prefixes"]
    after_prefix = len(tokens) > 1 and tokens[-2] in prefixes
    if last in vocab["wifi_words"] or (last == "key" and after_prefix):
        return "wifi_key"
    if last == "key" and len(tokens) == 1 and fmt == "uci" and section.startswith("wifi"):
        return "wifi_key"
    if last in vocab["password_words"]:
        return "password"
    if any(joined.endswith(word) for word in vocab["token_keys"]):
        return "token"
    return None


_REFERENCE = re.compile(
    r"^(?:[$<`]|__\w+__$|@\w+@$)|\$\{|\$\(|%(?:\(\w+\))?[sd]\b|\{\{|\{%|<[\w -]+>"
)
#: an expression of program code (form.pw.value, getPassword(), $("#pw").val())
_CODE = re.compile(r"^[\w$.]+\(.*\)[\w$.()]*;?$|^[\w$.]+\.(?:value|val\(\)|text|innerHTML);?$")
_FILE = re.compile(r"^(?:/|\./|\.\./|~/|file:)|\.(?:pem|key|crt|der|p12|pfx|pub|txt|conf)$", re.I)


def judge(value: str, kind: KeyKind = "password") -> Judgement:
    """``value`` as a stored secret: ``empty``; a ``reference`` to one kept elsewhere (a
    variable, a template, a crypt hash, a file name); a ``dummy`` word that documents the
    syntax (``changeme``, ``your_password``, ``xxxx``); or a ``value``."""
    vocab = _vocabulary()
    value = value.strip()
    if not value:
        return "empty"
    if _REFERENCE.search(value) or _FILE.search(value) or _CODE.match(value):
        return "reference"
    lowered = value.lower()
    if lowered in vocab["dummy_values"] or re.fullmatch(r"([x*.#?_-])\1*", lowered):
        return "dummy"
    if any(re.search(pattern, lowered) for pattern in vocab["dummy_patterns"]):
        return "dummy"
    return "value"


MIN_LENGTH: dict[KeyKind, int] = {"password": 4, "wifi_key": 8, "token": 16}


def is_secret(value: str, kind: KeyKind) -> bool:
    """A real stored secret: a value (not empty, a reference or a dummy word) at least as
    long as its kind's shortest (WPA keys have 8 characters, our tokens 16)."""
    return judge(value, kind) == "value" and len(value.strip()) >= MIN_LENGTH[kind]
