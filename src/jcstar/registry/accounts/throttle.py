"""Throttling of password logins: guessing gets slower the more guesses fail.

The registry holds itself to what S1.1-04 asks of a device (brute force on network
authentication is made difficult), in the way ETSI EN 303 645 5.1-5 suggests: a delay
between attempts that grows with each failure. Every number here is our own judgement:

- an e-mail address (known or not, so that answers tell no accounts apart) is refused for
  30 s after 5 consecutive failed logins, the delay doubling with each further failure up to
  15 min: at the cap, one guess per 15 min, under 100 a day;
- a client address is refused likewise after 20 consecutive failures on any e-mail
  addresses (password spraying: one common password tried on many accounts);
- a successful login resets the e-mail address's count; the client address's count only
  loses the attempt itself (a success proves one account's password, not that the address's
  other failures were honest: an attacker who logs into an account of their own between
  guesses must not get a fresh allowance each time); a count with no failure for 24 h
  starts again.

The counts live in the database (``login_throttles``), so they hold across worker processes
and restarts. Each attempt is counted as a failure *before* its password is checked and the
count is cleared only when the password turns out right: attempts sent in parallel are each
counted, and none gets through once the limit is reached. Only digests of the e-mail and
client addresses are stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from jcstar.registry.accounts.models import LoginThrottle
from jcstar.registry.db import utcnow

#: consecutive failures allowed before an e-mail address is refused
ACCOUNT_LIMIT = 5
#: consecutive failures allowed from one client address before it is refused
ADDRESS_LIMIT = 20
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
#: a count with no failure for this long is forgotten
FORGET_AFTER = dt.timedelta(hours=24)

_LIMITS = {"email": ACCOUNT_LIMIT, "address": ADDRESS_LIMIT}


@dataclass(frozen=True)
class Key:
    """One throttled thing: an e-mail address or a client address, by digest."""

    scope: str
    digest: str


def keys_for(email: str, address: str) -> tuple[Key, Key]:
    """The counts a login attempt for ``email`` from ``address`` goes into."""
    return (_key("email", email.strip().casefold()), _key("address", address))


def _key(scope: str, value: str) -> Key:
    return Key(scope, hashlib.sha256(f"{scope}:{value}".encode()).hexdigest())


def delay_after(failures: int, limit: int) -> dt.timedelta | None:
    """How long to refuse after ``failures`` consecutive failures (``None``: not yet)."""
    if failures < limit:
        return None
    doublings = min(failures - limit, 10)  # 30 s doubled ten times is past the cap already
    return min(FIRST_DELAY * (1 << doublings), MAX_DELAY)


def retry_after(session: Session, keys: tuple[Key, ...]) -> int | None:
    """Seconds until an attempt for ``keys`` may be made, or ``None`` when it may now."""
    now = utcnow()
    waits = [
        row.blocked_until - now
        for row in _rows(session, keys)
        if row.blocked_until is not None and row.blocked_until > now
    ]
    if not waits:
        return None
    return max(1, int(max(waits).total_seconds() + 0.999))


def admit(session: Session, keys: tuple[Key, ...]) -> int | None:
    """Count an attempt as failed until its password proves right, unless it must wait.

    Returns the seconds to wait when refused (nothing counted), else ``None``. The caller
    holds the write lock, so that attempts in parallel are counted one after the other.
    """
    wait = retry_after(session, keys)
    if wait is not None:
        return wait
    now = utcnow()
    found = {(row.scope, row.digest): row for row in _rows(session, keys)}
    for key in keys:
        row = found.get((key.scope, key.digest))
        if row is None:
            row = LoginThrottle(scope=key.scope, digest=key.digest, failures=0)
            session.add(row)
        elif row.last_failure_at <= now - FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        delay = delay_after(row.failures, _LIMITS[key.scope])
        row.blocked_until = None if delay is None else now + delay
    session.flush()
    return None


def succeeded(session: Session, keys: tuple[Key, ...]) -> None:
    """The password was right: clear the e-mail address's count, take this attempt (counted
    as failed by ``admit``) off the client address's, and forget stale counts."""
    for key in keys:
        if key.scope == "address":
            for row in _rows(session, (key,)):
                row.failures = max(row.failures - 1, 0)
                delay = delay_after(row.failures, _LIMITS[key.scope])
                row.blocked_until = None if delay is None else row.last_failure_at + delay
            continue
        session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.scope == key.scope, LoginThrottle.digest == key.digest
            )
        )
    session.flush()
    now = utcnow()
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at <= now - FORGET_AFTER,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until <= now),
        )
    )


def _rows(session: Session, keys: tuple[Key, ...]) -> list[LoginThrottle]:
    rows = []
    for key in keys:
        # populate_existing: read what the database holds now, not a copy from before the lock
        row = session.get(LoginThrottle, (key.scope, key.digest), populate_existing=True)
        if row is not None:
            rows.append(row)
    return rows
