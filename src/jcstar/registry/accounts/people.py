"""An organisation's administrator manages its own people: adds users, changes their roles,
removes them. Each change is logged (who, by a pseudonymous id; never an e-mail address).

Rules (our judgement): an administrator reaches only users of its own organisation (others'
are as unknown as missing ones); an organisation keeps at least one administrator (else no
one could manage it but the registry's own ``jcstar admin``); a removed user keeps its row,
since histories and the log name it, but can no longer log in and holds no roles.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jcstar.registry.accounts.models import LoginSession, Org, User, UserRole
from jcstar.registry.accounts.roles import RoleError, checked_roles, in_order
from jcstar.registry.accounts.service import AccountError, Principal, create_user
from jcstar.registry.db import utcnow
from jcstar.registry.errors import Conflict, NotFound, Unprocessable
from jcstar.registry.log import service as log


def members(session: Session, org_id: int) -> list[User]:
    """Every user of the organisation, removed ones too, oldest first."""
    return list(session.scalars(select(User).where(User.org_id == org_id).order_by(User.id)))


def _member(session: Session, admin: Principal, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.org_id != admin.org_id:
        raise NotFound(
            f"no user {user_id} in {admin.org_name}",
            code="no_user",
            params={"id": user_id, "org": admin.org_name},
        )
    if user.removed_at is not None:
        raise Conflict(f"user {user_id} was removed", code="user_removed", params={"id": user_id})
    return user


def _checked(kind: str, roles: Iterable[str]) -> frozenset[str]:
    try:
        return checked_roles(kind, roles)
    except RoleError as exc:
        raise Unprocessable(
            f"roles: {exc}", code="invalid_field", params={"field": "roles", "detail": exc}
        ) from None


def _administrators(session: Session, org_id: int) -> set[int]:
    return set(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.org_id == org_id,
                User.removed_at.is_(None),
                UserRole.role == "administrator",
            )
        )
    )


def _keep_an_administrator(session: Session, admin: Principal, user: User, after: set[str]) -> None:
    if "administrator" in after or "administrator" not in user.roles:
        return
    if _administrators(session, user.org_id) - {user.id}:
        return
    raise Conflict(
        f"{user.email} is {admin.org_name}'s last administrator; name another first",
        code="last_administrator",
        params={"email": user.email, "org": admin.org_name},
    )


def _log(session: Session, kind: str, user: User, org: Org, admin: Principal) -> None:
    log.append(
        session,
        kind,
        f"user:{user.id}",
        {
            "org": org.name,
            "user": f"user:{user.id}",
            "roles": in_order(org.kind, user.roles),
            "by": admin.by(),
        },
    )


def add_member(
    session: Session, admin: Principal, email: str, password: str, roles: Iterable[str]
) -> User:
    org = session.get(Org, admin.org_id)
    assert org is not None
    held = _checked(org.kind, roles)
    try:
        user = create_user(session, org, email.strip(), password, held)
    except AccountError as exc:
        taken = "already exists" in str(exc)
        raise (Conflict if taken else Unprocessable)(str(exc)) from None
    _log(session, "user.added", user, org, admin)
    return user


def set_roles(session: Session, admin: Principal, user_id: int, roles: Iterable[str]) -> User:
    user = _member(session, admin, user_id)
    held = _checked(user.org.kind, roles)
    _keep_an_administrator(session, admin, user, set(held))
    user.role_rows = [UserRole(role=r) for r in sorted(held)]
    session.flush()
    _log(session, "user.roles_changed", user, user.org, admin)
    return user


def remove_member(session: Session, admin: Principal, user_id: int) -> User:
    user = _member(session, admin, user_id)
    _keep_an_administrator(session, admin, user, set())
    user.removed_at = utcnow()
    user.role_rows = []
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()
    _log(session, "user.removed", user, user.org, admin)
    return user
