"""Organisations (vendor, lab, operator, procurer), their users, tokens, sessions and the
counts of failed logins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jcstar.registry.db import Base, UTCDateTime

ORG_KINDS = ("vendor", "lab", "operator", "procurer")


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    org: Mapped[Org] = relationship(lazy="joined")


class ApiToken(Base):
    """A machine's credential; only the SHA-256 digest of the token is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    org: Mapped[Org] = relationship(lazy="joined")


class LoginSession(Base):
    """A person's session after logging in with a password; the cookie holds the secret."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: indexed: expired sessions are swept on each login
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Consecutive failed logins for an e-mail or a client address (see ``throttle``).

    Keyed by a digest, so that no e-mail address someone mistyped is kept.
    """

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    #: indexed: counts that are stale are swept on each login
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    #: attempts before this instant are refused without checking the password
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
