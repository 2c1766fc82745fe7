"""Log in and out (a session cookie for people), and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from jcstar.registry.accounts import service
from jcstar.registry.accounts.schemas import LoginCreate, PrincipalPublic
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import SESSION_COOKIE, Config, Db, SignedIn
from jcstar.registry.errors import Unauthorized

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/login")
def login(body: LoginCreate, db: Db, settings: Config, response: Response) -> PrincipalPublic:
    # the slow password check runs before the write lock is taken
    user = service.check_password(db, body.email, body.password)
    if user is None:
        raise Unauthorized("unknown user or wrong password")
    lock_for_write(db)
    cookie = service.open_session(db, user, settings.session_hours)
    db.commit()
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="strict",  # the cookie never rides on another site's request (CSRF)
        secure=settings.base_url.startswith("https://"),
    )
    return PrincipalPublic(org=user.org.name, kind=user.org.kind)


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
    return PrincipalPublic(org=caller.org_name, kind=caller.kind)
