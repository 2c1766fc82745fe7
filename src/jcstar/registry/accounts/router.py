"""Log in and out (a session cookie for people), who am I, and an organisation's
administrator managing its own users."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from jcstar.registry.accounts import people, service, signin
from jcstar.registry.accounts.models import User
from jcstar.registry.accounts.roles import in_order
from jcstar.registry.accounts.schemas import (
    LoginCreate,
    PrincipalPublic,
    RolesUpdate,
    UserCreate,
    UserList,
    UserPublic,
)
from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import SESSION_COOKIE, Config, Db, OrgAdministrator, SignedIn
from jcstar.registry.openapi import CONFLICT

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post(
    "/auth/login",
    responses={429: {"description": "Too many failed logins; wait `Retry-After` seconds"}},
)
def login(
    body: LoginCreate, request: Request, db: Db, settings: Config, response: Response
) -> PrincipalPublic:
    client_host = request.client.host if request.client else "unknown"
    user, cookie = signin.sign_in(
        db, body.email, body.password, client_host, settings.session_hours
    )
    signin.set_session_cookie(response, cookie, settings)
    return _principal_public(service.principal_of_user(user))


@router.post("/auth/logout", status_code=204)
def logout(request: Request, db: Db, response: Response) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        lock_for_write(db)
        service.logout(db, cookie)
        db.commit()
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me")
def me(caller: SignedIn) -> PrincipalPublic:
    return _principal_public(caller)


def _principal_public(caller: Principal) -> PrincipalPublic:
    return PrincipalPublic(
        org=caller.org_name,
        kind=caller.kind,
        person=caller.person,
        roles=in_order(caller.kind, caller.roles),
    )


def _user_public(user: User) -> UserPublic:
    return UserPublic(
        id=user.id,
        email=user.email,
        roles=in_order(user.org.kind, user.roles),
        created_at=user.created_at,
        removed_at=user.removed_at,
    )


@router.get("/orgs/me/users")
def list_users(db: Db, caller: OrgAdministrator) -> UserList:
    """The users of the caller's organisation, removed ones too."""
    return UserList(items=[_user_public(u) for u in people.members(db, caller.org_id)])


@router.post("/orgs/me/users", status_code=201, responses=CONFLICT)
def add_user(body: UserCreate, db: Db, caller: OrgAdministrator) -> UserPublic:
    lock_for_write(db)
    user = people.add_member(db, caller, body.email, body.password, body.roles)
    db.commit()
    return _user_public(user)


@router.put("/orgs/me/users/{user_id}/roles", responses=CONFLICT)
def set_user_roles(user_id: int, body: RolesUpdate, db: Db, caller: OrgAdministrator) -> UserPublic:
    lock_for_write(db)
    user = people.set_roles(db, caller, user_id, body.roles)
    db.commit()
    return _user_public(user)


@router.delete("/orgs/me/users/{user_id}", status_code=204, responses=CONFLICT)
def remove_user(user_id: int, db: Db, caller: OrgAdministrator) -> None:
    lock_for_write(db)
    people.remove_member(db, caller, user_id)
    db.commit()
