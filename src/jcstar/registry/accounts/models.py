"""Organisations (vendor, lab, operator, procurer) with a vendor's recorded identity, the
makers' authorisations of proxies, users, tokens, sessions and the counts of failed logins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jcstar.registry.db import Base, UTCDateTime

ORG_KINDS = ("vendor", "lab", "operator", "procurer")


class Org(Base):
    """An organisation. A vendor applies only once the operator has recorded its identity
    (legal names, country and corporate or registration number; all null until then)."""

    __tablename__ = "orgs"
    # an index, not a constraint: SQLite adds an index without rebuilding the table, which
    # every other table references
    __table_args__ = (
        Index("ix_orgs_country_corporate_number", "country", "corporate_number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    legal_name_ja: Mapped[str | None] = mapped_column(String(200))
    legal_name_en: Mapped[str | None] = mapped_column(String(200))
    #: ISO 3166-1 alpha-2
    country: Mapped[str | None] = mapped_column(String(2))
    #: Japan: the 13-digit corporate number (法人番号), check digit verified; elsewhere the
    #: registration number in the country's company register
    corporate_number: Mapped[str | None] = mapped_column(String(40))
    identity_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ProxyAuthorisation(Base):
    """A maker's letter of authorisation (委任状) naming a proxy that may apply for the
    maker's products, as the operator recorded it: for some model numbers or all, until a
    date, until withdrawn."""

    __tablename__ = "proxy_authorisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    maker_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    proxy_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    #: JSON list of the model numbers it covers; null: every product of the maker
    model_numbers: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[dt.date]
    #: where the signed letter is kept (the operator's file reference)
    reference: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    maker: Mapped[Org] = relationship(foreign_keys=[maker_org_id], lazy="joined")
    proxy: Mapped[Org] = relationship(foreign_keys=[proxy_org_id], lazy="joined")


class User(Base):
    """A person who logs in with a password; what they may change is in their roles."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: set when the organisation's administrator removed the user: no login, no roles; the row
    #: stays because the histories and the log name it
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    org: Mapped[Org] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)


class UserRole(Base):
    """One role a user holds (see ``roles``)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ApiToken(Base):
    """A machine's credential; only the SHA-256 digest of the token is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: what the machine is, as its creator named it (shown with the token's id in histories)
    name: Mapped[str | None] = mapped_column(String(100))

    org: Mapped[Org] = relationship(lazy="joined")
    role_rows: Mapped[list[TokenRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TokenRole.role"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)


class TokenRole(Base):
    """One role a token holds, given when it was made."""

    __tablename__ = "api_token_roles"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


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
