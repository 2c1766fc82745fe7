"""The shipped default-credential list, with the provenance of every pair.

The data is ``checks/data/default-credentials.yaml``: the Mirai scanner's table
(decoded from the leaked source) and common IoT/web defaults from routersploit's
wordlist. A malformed file fails loudly, naming the file and the field.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError, model_validator

from jcstar.checks.base import Frozen, data_path

CredentialService = Literal["telnet", "ssh", "http", "ftp", "mqtt", "rtsp", "any"]

#: login surfaces whose credentials are listed under another service name
_SERVICE_OF_SURFACE = {"http-basic": "http", "http-form": "http"}


class CredentialDataError(Exception):
    """The credential file is unreadable or does not match its model."""


class CredentialSource(Frozen):
    id: str
    title: str
    repo: str = ""
    path: str = ""
    commit: str = ""
    url: str
    package: str = ""
    sha256: str = ""
    licence: str
    derived: str


class DefaultCredential(Frozen):
    username: str
    password: str
    services: tuple[CredentialService, ...]
    sources: tuple[str, ...]
    weight: int | None = None  # Mirai's add_auth_entry weight
    note: str = ""

    def applies_to(self, service: str) -> bool:
        wanted = _SERVICE_OF_SURFACE.get(service, service)
        return "any" in self.services or wanted in self.services


class CredentialList(Frozen):
    sources: tuple[CredentialSource, ...]
    credentials: tuple[DefaultCredential, ...]

    @model_validator(mode="after")
    def _provenance_is_complete(self) -> CredentialList:
        known = {source.id for source in self.sources}
        seen: set[tuple[str, str]] = set()
        for index, cred in enumerate(self.credentials):
            where = f"credentials.{index}"
            if not cred.sources or not cred.services:
                raise ValueError(f"{where}: needs at least one source and one service")
            unknown = sorted(set(cred.sources) - known)
            if unknown:
                raise ValueError(f"{where}.sources: unknown source id {', '.join(unknown)}")
            pair = (cred.username, cred.password)
            if pair in seen:
                raise ValueError(f"{where}: {cred.username}/{cred.password} is listed twice")
            seen.add(pair)
        return self


def data_file() -> Path:
    return data_path("default-credentials.yaml")


def load_default_credentials(path: Path | None = None) -> CredentialList:
    """The credential list (the shipped file by default); read once per path."""
    return _load(path or data_file())


@cache
def _load(path: Path) -> CredentialList:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CredentialDataError(f"{path.name}: {_one_line(str(exc))}") from exc
    try:
        return CredentialList.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        raise CredentialDataError(f"{path.name}: {where}: {first['msg']}") from exc


def _one_line(text: str) -> str:
    return " ".join(text.split())


def for_service(service: str, limit: int | None = None) -> list[DefaultCredential]:
    """Credentials to try on one login surface, most likely first."""
    matching = [c for c in load_default_credentials().credentials if c.applies_to(service)]
    return matching if limit is None else matching[: max(limit, 0)]
