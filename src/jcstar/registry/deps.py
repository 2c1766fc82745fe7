"""Request dependencies: the database session, the settings, and who is calling (its
organisation's kind, and for changes the role the person or token holds in it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from jcstar.labels import Keyring
from jcstar.registry.accounts.service import (
    Principal,
    principal_for_session,
    principal_for_token,
)
from jcstar.registry.errors import Forbidden, Unauthorized
from jcstar.registry.settings import Settings

SESSION_COOKIE = "jcstar_session"


def _db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _keyring(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


Db = Annotated[Session, Depends(_db)]
Config = Annotated[Settings, Depends(_settings)]
Signer = Annotated[Keyring, Depends(_keyring)]


def principal_from(db: Session, authorization: str | None, cookie: str | None) -> Principal | None:
    """Who calls with these credentials: a bearer token wins over a session cookie; a bad
    token is an error, a stale cookie makes an anonymous caller."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        principal = principal_for_token(db, token.strip())
        if principal is None:
            raise Unauthorized("the token is unknown or has expired")
        return principal
    # a stale cookie makes a browser anonymous (public pages still open), not an error
    return principal_for_session(db, cookie) if cookie else None


def require_signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("this needs a token (Authorization: Bearer <token>) or a session")
    return principal


def _caller(request: Request, db: Db) -> Principal | None:
    return principal_from(
        db, request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
    )


Caller = Annotated[Principal | None, Depends(_caller)]


def signed_in(caller: Caller) -> Principal:
    return require_signed_in(caller)


SignedIn = Annotated[Principal, Depends(signed_in)]


def role(*kinds: str) -> Callable[[Principal], Principal]:
    """A dependency that admits only organisations of the given kinds."""

    def check(caller: SignedIn) -> Principal:
        if caller.kind not in kinds:
            raise Forbidden(f"only {' or '.join(kinds)} organisations may do this")
        return caller

    return check


Operator = Annotated[Principal, Depends(role("operator"))]
Vendor = Annotated[Principal, Depends(role("vendor"))]
VendorOrLab = Annotated[Principal, Depends(role("vendor", "lab"))]
Reviewer = Annotated[Principal, Depends(role("vendor", "lab", "operator"))]
VendorOrOperator = Annotated[Principal, Depends(role("vendor", "operator"))]


def may(**roles_by_kind: tuple[str, ...]) -> Callable[[Principal], Principal]:
    """A dependency that admits organisations of the kinds named, and among them only callers
    holding one of the roles named for that kind (``may(operator=("approver",))``)."""
    kinds = tuple(roles_by_kind)

    def check(caller: SignedIn) -> Principal:
        if caller.kind not in roles_by_kind:
            raise Forbidden(f"only {' or '.join(kinds)} organisations may do this")
        needed = roles_by_kind[caller.kind]
        if not caller.holds(*needed):
            held = ", ".join(sorted(caller.roles)) or "none"
            raise Forbidden(
                f"this needs the {' or '.join(needed)} role in your organisation (you hold: {held})"
            )
        return caller

    return check


#: operator staff who do the case work: accept, review, return, reject, record fees
OperatorReviewer = Annotated[Principal, Depends(may(operator=("reviewer",)))]
#: operator staff who decide a label's trust: approve, renew, suspend, revoke, reinstate
OperatorApprover = Annotated[Principal, Depends(may(operator=("approver",)))]
#: a vendor's people who file, correct and submit applications
Applicant = Annotated[Principal, Depends(may(vendor=("applicant",)))]
#: who attaches documents: the vendor's applicants, the named lab's evaluators
ApplicantOrEvaluator = Annotated[Principal, Depends(may(vendor=("applicant",), lab=("evaluator",)))]
#: who publishes a label's notices: the vendor's applicants, the operator's staff
NoticeAuthor = Annotated[
    Principal, Depends(may(vendor=("applicant",), operator=("reviewer", "approver")))
]
#: an organisation's administrator: manages its own users and their roles
OrgAdministrator = Annotated[
    Principal,
    Depends(
        may(
            vendor=("administrator",),
            lab=("administrator",),
            operator=("administrator",),
            procurer=("administrator",),
        )
    ),
]
