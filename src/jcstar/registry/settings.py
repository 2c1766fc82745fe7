"""Registry settings: where the data and keys live, and the scheme's numbers.

Facts from jcstar-facts §3 are marked [V] (verified); values the scheme does not publish
are our own judgement and marked so. Every one can be changed without touching code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite:///./jcstar-registry.db"
DEFAULT_KEY_DIR = "./jcstar-registry-keys"


def _default_fees() -> dict[tuple[int, str], int]:
    # [V] §3.2: ★1 ¥198,000; ★1 for a product already declared compliant with UK PSTI ¥140,000.
    # ★2 and above: amounts not published [U]; an application at those levels shows no fee.
    return {(1, "standard"): 198_000, (1, "psti"): 140_000}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    key_dir: Path = Path(DEFAULT_KEY_DIR)
    #: the public address of this registry; product pages are ``{base_url}/p/{registration_no}``
    base_url: str = "http://127.0.0.1:8000"
    #: largest accepted document upload, in bytes (our judgement: a PDF or workbook fits)
    max_upload_bytes: int = 10 * 1024 * 1024
    #: label validity in years; [V] §3.3 caps it at two years from the issue date
    validity_years: int = 2
    #: registration number format: not published [U], ours is our judgement
    registration_format: str = "JC{level}-{year}-{seq:06d}"
    application_format: str = "A-{year}-{seq:06d}"
    fees_jpy: dict[tuple[int, str], int] = field(default_factory=_default_fees)
    #: requirements the PSTI route waives when a statement of compliance is attached ([V] §4)
    psti_waived: frozenset[str] = frozenset({"S1.1-02", "S1.1-05", "S1.1-16"})
    #: apply the migrations when the app starts
    migrate_on_start: bool = True
    #: how long a login session lasts, in hours (our judgement)
    session_hours: int = 12
    #: largest accepted body of any other request (JSON), in bytes, counted as it arrives
    #: (our judgement: an assessment report is tens of kilobytes; a firmware SBOM adds more)
    max_body_bytes: int = 4 * 1024 * 1024
    #: origins (``scheme://host:port``) whose pages may make cookie-authenticated changes;
    #: empty: the origin of ``base_url`` alone
    trusted_origins: tuple[str, ...] = ()
    #: addresses (or networks, ``10.0.0.0/8``) of reverse proxies whose ``X-Forwarded-For``
    #: names the client; empty: no one's, the connection's own address counts
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``JCSTAR_*`` environment variables; explicit overrides win."""
        env: dict[str, object] = {}
        if url := os.environ.get("JCSTAR_DATABASE_URL"):
            env["database_url"] = url
        if key_dir := os.environ.get("JCSTAR_KEY_DIR"):
            env["key_dir"] = Path(key_dir)
        if base := os.environ.get("JCSTAR_BASE_URL"):
            env["base_url"] = base
        if limit := os.environ.get("JCSTAR_MAX_UPLOAD_BYTES"):
            env["max_upload_bytes"] = int(limit)
        if limit := os.environ.get("JCSTAR_MAX_BODY_BYTES"):
            env["max_body_bytes"] = int(limit)
        if origins := os.environ.get("JCSTAR_TRUSTED_ORIGINS"):
            env["trusted_origins"] = _words(origins)
        if proxies := os.environ.get("JCSTAR_TRUSTED_PROXIES"):
            env["trusted_proxies"] = _words(proxies)
        if os.environ.get("JCSTAR_MIGRATE_ON_START") == "0":
            env["migrate_on_start"] = False
        env.update({k: v for k, v in overrides.items() if v is not None})
        if "base_url" in env:
            env["base_url"] = str(env["base_url"]).rstrip("/")
        return cls(**env)  # type: ignore[arg-type]

    @property
    def origins(self) -> frozenset[str]:
        """The origins trusted for cookie-authenticated changes, each ``scheme://host:port``."""
        return frozenset(origin_of(o) for o in (self.trusted_origins or (self.base_url,)))

    def fee_for(self, level: int, route: str) -> int | None:
        return self.fees_jpy.get((level, route))


def _words(value: str) -> tuple[str, ...]:
    return tuple(word for word in value.replace(",", " ").split() if word)


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL, the port always written (as browsers compare them)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number: no origin matches it
        return ""
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}" if scheme and host and port else ""


_DEFAULT_PORTS = {"http": 80, "https": 443}
