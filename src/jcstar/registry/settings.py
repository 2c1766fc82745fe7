"""Registry settings: where the data and keys live, and the scheme's numbers.

Facts from jcstar-facts §3 are marked [V] (verified); values the scheme does not publish
are our own judgement and marked so. Every one can be changed without touching code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite:///./jcstar-registry.db"
DEFAULT_KEY_DIR = "./jcstar-registry-keys"


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
    #: application number (申請番号) format, given when the vendor first submits ([I] §3.3:
    #: number, then acceptance number, then registration number); the format is our judgement
    application_format: str = "A-{year}-{seq:06d}"
    #: acceptance number (受理番号) format, given when the operator accepts an application: IPA's
    #: is not published [U]; ours is our judgement
    acceptance_format: str = "R-{year}-{seq:06d}"
    #: the fee table (levels, routes, dated offers, each with its source tag); None: the one
    #: shipped in ``registry/data/fees.yaml`` ([V] §3.2 where IPA publishes an amount)
    fees_path: Path | None = None
    #: renewal opens this many days before a label expires (our judgement: IPA's renewal
    #: procedure was not readable [U] §3.3)
    renewal_window_days: int = 90
    #: a renewal's assessment report must be at most this many days old when submitted (our
    #: judgement: a renewal re-checks the product as it is now)
    renewal_report_max_age_days: int = 90
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
    #: four-eyes: approving an application, suspending or revoking a label need two different
    #: operator people (``approvals.service``); off unless the operator turns it on
    four_eyes: bool = False

    #: weeks after a new criteria version takes effect when labels on earlier versions lapse;
    #: None: they stay valid. Germany's IT security label lapses six weeks after a criteria
    #: change; adopting such a rule here is our judgement, off by default (criteria.rules)
    criteria_lapse_weeks: int | None = None
    #: a signed snapshot's ``next_update`` is this many minutes after it was signed (our
    #: judgement: hourly, as certificate revocation lists are often refreshed; status.snapshot)
    snapshot_interval_minutes: int = 60
    #: a change rebuilds the snapshot at most this often (our judgement: a minute; a build of
    #: 1,000,000 labels takes ~20 s of CPU and anyone may ask for the snapshot)
    snapshot_min_rebuild_seconds: int = 60

    # -- notifications (registry.outbox; issue 13). Every number here is our judgement.
    #: run the outbox's delivery worker and the reminder scan inside the server
    notify: bool = True
    #: remind this many days before a label expires: its vendor always, a watcher unless its
    #: watch names its own number of days
    reminder_days: tuple[int, ...] = (90, 42)
    #: seconds between two reminder scans (the first runs at start-up)
    reminder_interval_s: float = 3600.0
    #: seconds the worker waits when nothing is due
    outbox_poll_s: float = 1.0
    #: a claimed row is due again after this many seconds (a crashed worker's rows come back)
    outbox_lease_s: float = 120.0
    #: first retry after this many seconds, doubling per attempt (with jitter), capped
    outbox_backoff_s: float = 30.0
    outbox_backoff_max_s: float = 6 * 3600.0
    #: attempts before a delivery is ``failed`` (visible in ``GET /api/v1/deliveries``)
    outbox_max_attempts: int = 10
    #: rows claimed at once, and webhooks in flight at once
    outbox_batch: int = 500
    outbox_concurrency: int = 100
    #: seconds a webhook receiver has to answer
    webhook_timeout_s: float = 10.0
    #: the SMTP server e-mail notifications go through; no host: e-mail deliveries wait
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    #: send webhooks to loopback and private addresses too (tests; a registry whose receivers
    #: sit on its own network). Off: such URLs are refused (outbox.destinations: SSRF)
    webhook_allow_private: bool = False
    smtp_from: str = "jcstar@localhost"

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
        if fees := os.environ.get("JCSTAR_FEES_FILE"):
            env["fees_path"] = Path(fees)
        if days := os.environ.get("JCSTAR_RENEWAL_WINDOW_DAYS"):
            env["renewal_window_days"] = int(days)
        if days := os.environ.get("JCSTAR_RENEWAL_REPORT_MAX_AGE_DAYS"):
            env["renewal_report_max_age_days"] = int(days)
        if origins := os.environ.get("JCSTAR_TRUSTED_ORIGINS"):
            env["trusted_origins"] = _words(origins)
        if proxies := os.environ.get("JCSTAR_TRUSTED_PROXIES"):
            env["trusted_proxies"] = _words(proxies)
        if os.environ.get("JCSTAR_FOUR_EYES") == "1":
            env["four_eyes"] = True
        if weeks := os.environ.get("JCSTAR_CRITERIA_LAPSE_WEEKS"):
            env["criteria_lapse_weeks"] = int(weeks) or None
        if minutes := os.environ.get("JCSTAR_SNAPSHOT_INTERVAL_MINUTES"):
            env["snapshot_interval_minutes"] = int(minutes)
        if seconds := os.environ.get("JCSTAR_SNAPSHOT_MIN_REBUILD_SECONDS"):
            env["snapshot_min_rebuild_seconds"] = int(seconds)
        if os.environ.get("JCSTAR_MIGRATE_ON_START") == "0":
            env["migrate_on_start"] = False
        env.update(_notify_env())
        env.update({k: v for k, v in overrides.items() if v is not None})
        if "base_url" in env:
            env["base_url"] = str(env["base_url"]).rstrip("/")
        return cls(**env)  # type: ignore[arg-type]

    @property
    def origins(self) -> frozenset[str]:
        """The origins trusted for cookie-authenticated changes, each ``scheme://host:port``."""
        return frozenset(origin_of(o) for o in (self.trusted_origins or (self.base_url,)))


#: ``JCSTAR_*`` variables of the notification settings, each with its type
_NOTIFY_ENV: dict[str, tuple[str, type]] = {
    "JCSTAR_REMINDER_INTERVAL_S": ("reminder_interval_s", float),
    "JCSTAR_OUTBOX_POLL_S": ("outbox_poll_s", float),
    "JCSTAR_OUTBOX_LEASE_S": ("outbox_lease_s", float),
    "JCSTAR_OUTBOX_BACKOFF_S": ("outbox_backoff_s", float),
    "JCSTAR_OUTBOX_BACKOFF_MAX_S": ("outbox_backoff_max_s", float),
    "JCSTAR_OUTBOX_MAX_ATTEMPTS": ("outbox_max_attempts", int),
    "JCSTAR_OUTBOX_BATCH": ("outbox_batch", int),
    "JCSTAR_OUTBOX_CONCURRENCY": ("outbox_concurrency", int),
    "JCSTAR_WEBHOOK_TIMEOUT_S": ("webhook_timeout_s", float),
    "JCSTAR_SMTP_HOST": ("smtp_host", str),
    "JCSTAR_SMTP_PORT": ("smtp_port", int),
    "JCSTAR_SMTP_USER": ("smtp_user", str),
    "JCSTAR_SMTP_PASSWORD": ("smtp_password", str),
    "JCSTAR_SMTP_FROM": ("smtp_from", str),
}


def _notify_env() -> dict[str, object]:
    env: dict[str, object] = {
        field: kind(os.environ[name])
        for name, (field, kind) in _NOTIFY_ENV.items()
        if os.environ.get(name)
    }
    if os.environ.get("JCSTAR_NOTIFY") == "0":
        env["notify"] = False
    if os.environ.get("JCSTAR_SMTP_STARTTLS") == "1":
        env["smtp_starttls"] = True
    if os.environ.get("JCSTAR_WEBHOOK_ALLOW_PRIVATE") == "1":
        env["webhook_allow_private"] = True
    if days := os.environ.get("JCSTAR_REMINDER_DAYS"):
        env["reminder_days"] = tuple(int(d) for d in _words(days))
    return env


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
