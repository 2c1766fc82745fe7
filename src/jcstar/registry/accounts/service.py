"""Accounts: create organisations (a vendor with its identity), users and tokens; record a
maker's authorisation of a proxy; recognise a caller by token or session."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from jcstar.registry.accounts.models import (
    ORG_KINDS,
    ApiToken,
    LoginSession,
    Org,
    ProxyAuthorisation,
    TokenRole,
    User,
    UserRole,
)
from jcstar.registry.accounts.roles import RoleError, checked_roles, roles_of_kind
from jcstar.registry.db import lock_for_write, utcnow

TOKEN_PREFIX = "jcs_"
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done (unknown org, duplicate name, bad kind)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the organisation, the person (a user) or machine (a token) acting for
    it, and the roles that credential holds. Made without a user or token, it is the registry
    acting for the organisation itself (the demo, a backfill)."""

    org_id: int
    org_name: str
    kind: str
    roles: frozenset[str] = frozenset()
    user_id: int | None = None
    email: str | None = None
    token_id: int | None = None
    token_name: str | None = None

    @property
    def actor(self) -> str:
        """A stable pseudonymous id of who acted (``user:12``, ``token:3``): what the public
        log records; only the registry's own database maps it to a person."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.token_id is not None:
            return f"token:{self.token_id}"
        return f"org:{self.org_id}"

    @property
    def person(self) -> str:
        """Who acted, as the organisation's own people and the operator see it."""
        if self.email is not None:
            return self.email
        if self.token_id is not None:
            return f"token {self.token_id}" + (f" ({self.token_name})" if self.token_name else "")
        return self.org_name

    def holds(self, *roles: str) -> bool:
        """Whether the caller holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def by(self) -> dict[str, str]:
        """Who acted, as a log entry's payload names it (no e-mail address: the log is public
        and can never be edited)."""
        return {"org": self.org_name, "actor": self.actor}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    """Who a vendor is in law: its legal names and its number in its country's register."""

    legal_name_en: str
    country: str
    corporate_number: str
    legal_name_ja: str | None = None


def corporate_check_digit(base: str) -> int:
    """The check digit of a corporate number (法人番号) from its 12-digit base (国税庁's
    rule): with P1 the base's last digit, 9 − (Σ Pn × Qn mod 9), Qn = 1 for odd n, 2 for even;
    the check digit is the number's first digit."""
    if not (len(base) == 12 and base.isascii() and base.isdigit()):
        raise ValueError("a corporate number's base is 12 digits")
    total = sum(int(p) * (1 if n % 2 else 2) for n, p in enumerate(reversed(base), start=1))
    return 9 - total % 9


def normal_corporate_number(number: str) -> str:
    """Digits and letters only, in their ASCII forms (``７０００-０１２…`` → ``7000012…``)."""
    return "".join(c for c in unicodedata.normalize("NFKC", number) if c.isalnum()).upper()


def check_corporate_number(number: str) -> str:
    """The corporate number (法人番号) in its 13-digit form; ``AccountError`` if it is not one."""
    digits = normal_corporate_number(number)
    if not (len(digits) == 13 and digits.isascii() and digits.isdigit()):
        raise AccountError(f"corporate number {number!r}: a Japanese corporate number is 13 digits")
    if int(digits[0]) != corporate_check_digit(digits[1:]):
        raise AccountError(f"corporate number {number!r}: its check digit (the first) is wrong")
    return digits


_COUNTRY = re.compile(r"^[A-Z]{2}$")


def checked_identity(identity: Identity) -> Identity:
    """The identity with its number in normal form, or ``AccountError`` naming the field."""
    country = identity.country.strip().upper()
    if not _COUNTRY.match(country):
        raise AccountError(f"country {identity.country!r}: give the ISO 3166 two-letter code")
    name_en = identity.legal_name_en.strip()
    name_ja = (identity.legal_name_ja or "").strip() or None
    if not name_en:
        raise AccountError("the legal name in English is needed")
    if country == "JP":
        if name_ja is None:
            raise AccountError("a Japanese organisation needs its legal name in Japanese")
        number = check_corporate_number(identity.corporate_number)
    else:
        number = normal_corporate_number(identity.corporate_number)
        if not 1 <= len(number) <= 40:
            raise AccountError(
                "the registration number in its country is 1 to 40 letters or digits"
            )
    if len(name_en) > 200 or (name_ja and len(name_ja) > 200):
        raise AccountError("a legal name has at most 200 characters")
    return Identity(name_en, country, number, name_ja)


def record_identity(session: Session, org: Org, identity: Identity) -> Org:
    """Record (or correct) a vendor's identity, as the operator verified it."""
    if org.kind != "vendor":
        raise AccountError(f"{org.name!r} is a {org.kind}; only a vendor has a recorded identity")
    checked = checked_identity(identity)
    holder = session.scalar(
        select(Org).where(
            Org.country == checked.country,
            Org.corporate_number == checked.corporate_number,
            Org.id != org.id,
        )
    )
    if holder is not None:
        raise AccountError(
            f"{checked.country} {checked.corporate_number} is already {holder.name!r}'s number"
        )
    org.legal_name_en = checked.legal_name_en
    org.legal_name_ja = checked.legal_name_ja
    org.country = checked.country
    org.corporate_number = checked.corporate_number
    org.identity_recorded_at = utcnow()
    session.flush()
    return org


def has_identity(org: Org) -> bool:
    return org.identity_recorded_at is not None and org.corporate_number is not None


def normal_name(name: str) -> str:
    """A name compared by its letters and digits: width, case, spaces and punctuation aside
    (``Example Energy Systems K.K.`` = ``EXAMPLE ENERGY SYSTEMS KK``)."""
    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def is_maker(org: Org, vendor: str, corporate_number: str | None) -> bool:
    """Whether a report's vendor (and corporate number, if it gives one) is ``org``."""
    if not has_identity(org):
        return False
    if corporate_number is not None:
        return normal_corporate_number(corporate_number) == org.corporate_number
    wanted = normal_name(vendor)
    names = (org.name, org.legal_name_en, org.legal_name_ja)
    return bool(wanted) and any(n is not None and normal_name(n) == wanted for n in names)


def normal_model(model: str) -> str:
    """A model number compared across widths and case (``ＨＧ－１００`` = ``hg-100``)."""
    return " ".join(unicodedata.normalize("NFKC", model).casefold().split())


def find_makers(session: Session, vendor: str, corporate_number: str | None) -> list[Org]:
    """The vendor organisations with a recorded identity that a report's vendor names."""
    query = select(Org).where(Org.kind == "vendor", Org.identity_recorded_at.is_not(None))
    if corporate_number is not None:
        query = query.where(Org.corporate_number == normal_corporate_number(corporate_number))
    return [org for org in session.scalars(query) if is_maker(org, vendor, corporate_number)]


def authorise_proxy(
    session: Session,
    maker: Org,
    proxy: Org,
    expires_on: dt.date,
    reference: str,
    model_numbers: Iterable[str] | None = None,
) -> ProxyAuthorisation:
    """Record a maker's letter of authorisation (委任状) naming a proxy."""
    if maker.kind != "vendor" or proxy.kind != "vendor":
        raise AccountError("a maker and its proxy are both vendor organisations")
    if maker.id == proxy.id:
        raise AccountError("a maker needs no authorisation to apply for itself")
    if not has_identity(maker) or not has_identity(proxy):
        raise AccountError("record the identity of both the maker and the proxy first")
    if expires_on < utcnow().date():
        raise AccountError(f"the authorisation would have expired already ({expires_on})")
    reference = reference.strip()
    if not 1 <= len(reference) <= 200:
        raise AccountError("give the letter's reference (1 to 200 characters)")
    models = [m.strip() for m in model_numbers] if model_numbers is not None else None
    if models is not None and (not models or any(not m or len(m) > 100 for m in models)):
        raise AccountError("each model number must be 1 to 100 characters")
    grant = ProxyAuthorisation(
        maker_org_id=maker.id,
        proxy_org_id=proxy.id,
        model_numbers=json.dumps(models, ensure_ascii=False) if models is not None else None,
        expires_on=expires_on,
        reference=reference,
        recorded_at=utcnow(),
    )
    session.add(grant)
    session.flush()
    return grant


def withdraw_proxy(session: Session, grant_id: int) -> ProxyAuthorisation:
    grant = session.get(ProxyAuthorisation, grant_id)
    if grant is None:
        raise AccountError(f"no authorisation {grant_id}")
    if grant.withdrawn_at is None:
        grant.withdrawn_at = utcnow()
        session.flush()
    return grant


def proxy_authorisation(
    session: Session, maker_id: int, proxy_id: int, models: Iterable[str], on: dt.date
) -> ProxyAuthorisation | None:
    """An authorisation in force on ``on`` that lets the proxy apply for all of ``models``."""
    wanted = {normal_model(m) for m in models}
    grants = session.scalars(
        select(ProxyAuthorisation)
        .where(
            ProxyAuthorisation.maker_org_id == maker_id,
            ProxyAuthorisation.proxy_org_id == proxy_id,
            ProxyAuthorisation.withdrawn_at.is_(None),
            ProxyAuthorisation.expires_on >= on,
        )
        .order_by(ProxyAuthorisation.id)
    )
    for grant in grants:
        if grant.model_numbers is None:
            return grant
        if wanted <= {normal_model(m) for m in json.loads(grant.model_numbers)}:
            return grant
    return None


def proxies_of(session: Session, org: Org) -> list[ProxyAuthorisation]:
    """Every authorisation naming ``org`` as maker or proxy, oldest first."""
    return list(
        session.scalars(
            select(ProxyAuthorisation)
            .where(
                or_(
                    ProxyAuthorisation.maker_org_id == org.id,
                    ProxyAuthorisation.proxy_org_id == org.id,
                )
            )
            .order_by(ProxyAuthorisation.id)
        )
    )


def create_org(session: Session, name: str, kind: str, identity: Identity | None = None) -> Org:
    if kind not in ORG_KINDS:
        raise AccountError(f"unknown organisation kind {kind!r} (one of {', '.join(ORG_KINDS)})")
    name = name.strip()
    if not name:
        raise AccountError("an organisation needs a name")
    if find_org(session, name) is not None:
        raise AccountError(f"an organisation named {name!r} already exists")
    if identity is not None and kind != "vendor":
        raise AccountError("only a vendor organisation has a recorded identity")
    org = Org(name=name, kind=kind, created_at=utcnow())
    session.add(org)
    session.flush()
    if identity is not None:
        record_identity(session, org, identity)
    return org


def find_org(session: Session, name: str) -> Org | None:
    return session.scalar(select(Org).where(Org.name == name))


def require_org(session: Session, name: str) -> Org:
    org = find_org(session, name)
    if org is None:
        raise AccountError(f"no organisation named {name!r}")
    return org


def _roles_for(org: Org, roles: Iterable[str] | None) -> frozenset[str]:
    """``roles`` checked against the org's kind; ``None``: every role of its kind."""
    if roles is None:
        return frozenset(roles_of_kind(org.kind))
    try:
        return checked_roles(org.kind, roles)
    except RoleError as exc:
        raise AccountError(str(exc)) from None


def create_token(
    session: Session,
    org: Org,
    expires_days: int = 365,
    roles: Iterable[str] | None = None,
    name: str | None = None,
) -> str:
    """A new API token for ``org`` holding ``roles`` (``None``: every role of the org's
    kind; empty: none, so it can only read); the secret is returned once and stored only
    as a digest."""
    if expires_days < 1:
        raise AccountError("a token must be valid for at least one day")
    held = _roles_for(org, roles)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        org_id=org.id,
        digest=digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_days),
        name=(name or "").strip()[:100] or None,
    )
    row.role_rows = [TokenRole(role=r) for r in sorted(held)]
    session.add(row)
    session.flush()
    return token


def create_user(
    session: Session, org: Org, email: str, password: str, roles: Iterable[str] | None = None
) -> User:
    """A user of ``org`` holding ``roles`` (``None``: every role of the org's kind)."""
    if len(password) < 12:
        raise AccountError("a password needs at least 12 characters")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise AccountError(f"a user {email!r} already exists")
    held = _roles_for(org, roles)
    user = User(
        org_id=org.id, email=email, password_hash=_hasher.hash(password), created_at=utcnow()
    )
    user.role_rows = [UserRole(role=r) for r in sorted(held)]
    session.add(user)
    session.flush()
    return user


def principal_of_user(user: User) -> Principal:
    org = user.org
    return Principal(org.id, org.name, org.kind, user.roles, user_id=user.id, email=user.email)


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(ApiToken).where(ApiToken.digest == digest(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    org = row.org
    return Principal(org.id, org.name, org.kind, row.roles, token_id=row.id, token_name=row.name)


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
    if row.user.removed_at is not None:  # removed since it logged in
        return None
    return principal_of_user(row.user)


def check_password(session: Session, email: str, password: str) -> User | None:
    """The user whose password this is, or ``None``."""
    user = session.scalar(select(User).where(User.email == email, User.removed_at.is_(None)))
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
