"""Signing a person in with e-mail and password, and the session cookie it sets: the JSON
login (``POST /api/v1/auth/login``) and the portal's sign-in form take the same steps, with
the same throttle (``accounts.throttle``)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.responses import Response

from jcstar.registry.accounts import service, throttle
from jcstar.registry.accounts.models import User
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import SESSION_COOKIE
from jcstar.registry.errors import TooManyRequests, Unauthorized
from jcstar.registry.settings import Settings


def _too_many(seconds: int) -> TooManyRequests:
    # the same answer whichever count refused and whether or not the password was right
    return TooManyRequests(f"too many failed logins; try again in {seconds} s", seconds)


def sign_in(
    db: Session, email: str, password: str, client_host: str, session_hours: int
) -> tuple[User, str]:
    """The user and a new session's cookie value; ``TooManyRequests`` while throttled,
    ``Unauthorized`` for an unknown user or a wrong password (one answer for both)."""
    keys = throttle.keys_for(email, client_host)
    # a refused attempt costs a read, no write and no password check
    if (wait := throttle.retry_after(db, keys)) is not None:
        raise _too_many(wait)
    lock_for_write(db)
    wait = throttle.admit(db, keys)  # counted as failed until the password proves right
    if wait is not None:
        db.rollback()
        raise _too_many(wait)
    db.commit()
    # the slow password check runs outside the write lock
    user = service.check_password(db, email, password)
    if user is None:
        raise Unauthorized("unknown user or wrong password")
    lock_for_write(db)
    throttle.succeeded(db, keys)
    service.sweep_expired_sessions(db)
    cookie = service.open_session(db, user, session_hours)
    db.commit()
    return user, cookie


def set_session_cookie(response: Response, cookie: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="strict",  # the cookie never rides on another site's request (CSRF)
        secure=settings.base_url.startswith("https://"),
    )
