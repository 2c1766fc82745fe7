"""Registry settings: where the data and keys live, and the scheme's numbers.

Facts from jcstar-facts §3 are marked [V] (verified); values the scheme does not publish
are our own judgement and marked so. Every one can be changed without touching code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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
        if os.environ.get("JCSTAR_MIGRATE_ON_START") == "0":
            env["migrate_on_start"] = False
        env.update({k: v for k, v in overrides.items() if v is not None})
        if "base_url" in env:
            env["base_url"] = str(env["base_url"]).rstrip("/")
        return cls(**env)  # type: ignore[arg-type]

    def fee_for(self, level: int, route: str) -> int | None:
        return self.fees_jpy.get((level, route))
