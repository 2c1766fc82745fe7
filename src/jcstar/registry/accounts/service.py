"""Accounts: create organisations, users and tokens; recognise a caller by token or session."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jcstar.registry.accounts.models import ORG_KINDS, ApiToken, LoginSession, Org, User
from jcstar.registry.db import lock_for_write, utcnow

TOKEN_PREFIX = "jcs_"
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done (unknown org, duplicate name, bad kind)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: an organisation, whatever credential it used."""

    org_id: int
    org_name: str
    kind: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_org(session: Session, name: str, kind: str) -> Org:
    if kind not in ORG_KINDS:
        raise AccountError(f"unknown organisation kind {kind!r} (one of {', '.join(ORG_KINDS)})")
    name = name.strip()
    if not name:
        raise AccountError("an organisation needs a name")
    if find_org(session, name) is not None:
        raise AccountError(f"an organisation named {name!r} already exists")
    org = Org(name=name, kind=kind, created_at=utcnow())
    session.add(org)
    session.flush()
    return org


def find_org(session: Session, name: str) -> Org | None:
    return session.scalar(select(Org).where(Org.name == name))


def require_org(session: Session, name: str) -> Org:
    org = find_org(session, name)
    if org is None:
        raise AccountError(f"no organisation named {name!r}")
    return org


def create_token(session: Session, org: Org, expires_days: int = 365) -> str:
    """A new API token for ``org``; the secret is returned once and stored only as a digest."""
    if expires_days < 1:
        raise AccountError("a token must be valid for at least one day")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        ApiToken(
            org_id=org.id,
            digest=digest(token),
            created_at=now,
            expires_at=now + dt.timedelta(days=expires_days),
        )
    )
    session.flush()
    return token


def create_user(session: Session, org: Org, email: str, password: str) -> User:
    if len(password) < 12:
        raise AccountError("a password needs at least 12 characters")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise AccountError(f"a user {email!r} already exists")
    user = User(
        org_id=org.id, email=email, password_hash=_hasher.hash(password), created_at=utcnow()
    )
    session.add(user)
    session.flush()
    return user


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(ApiToken).where(ApiToken.digest == digest(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    return Principal(row.org.id, row.org.name, row.org.kind)


def principal_for_session(session: Session, cookie: str) -> Principal | None:
    """Who holds this session cookie; an expired session met here is deleted."""
    row = session.scalar(select(LoginSession).where(LoginSession.digest == digest(cookie)))
    if row is None:
        return None
    if row.expires_at <= utcnow():
        # it can never be used again: gone now rather than kept until the next login's sweep
        lock_for_write(session)
        session.execute(delete(LoginSession).where(LoginSession.id == row.id))
        session.commit()
        return None
    org = row.user.org
    return Principal(org.id, org.name, org.kind)


def check_password(session: Session, email: str, password: str) -> User | None:
    """The user whose password this is, or ``None``."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        _hasher.hash(password)  # spend the same time whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def open_session(session: Session, user: User, hours: int) -> str:
    """A new login session for ``user``; returns the cookie value (stored only as a digest)."""
    cookie = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            user_id=user.id,
            digest=digest(cookie),
            expires_at=utcnow() + dt.timedelta(hours=hours),
        )
    )
    session.flush()
    return cookie


def sweep_expired_sessions(session: Session) -> None:
    """Delete every expired login session (the caller holds the write lock)."""
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow()))


def logout(session: Session, cookie: str) -> None:
    row = session.scalar(select(LoginSession).where(LoginSession.digest == digest(cookie)))
    if row is not None:
        session.delete(row)
