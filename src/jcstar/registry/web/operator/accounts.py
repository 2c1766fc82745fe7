"""The operator's accounts and organisations: its own people (add a person with roles,
change a person's roles, remove a person; ``accounts.people``, as ``/api/v1/orgs/me/users``
does, administrator only) and the organisations registered (read only: they are made with
``jcstar admin create-org``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from jcstar.registry.accounts import people
from jcstar.registry.accounts.models import Org
from jcstar.registry.accounts.roles import in_order, roles_of_kind
from jcstar.registry.accounts.schemas import UserCreate
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db
from jcstar.registry.errors import RegistryError, Unprocessable
from jcstar.registry.web import forms
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.operator.common import day, done, guard
from jcstar.registry.web.render import KIND_NAMES, ROLE_NAMES, Page, PageRequest

router = APIRouter(include_in_schema=False)

ADMINISTRATOR = {"operator": ("administrator",)}
NOTES = {
    "added": N_("The person is added."),
    "roles": N_("The roles are changed."),
    "removed": N_("The person is removed; their sessions are ended."),
}
Csrf = Annotated[str, Form(max_length=200)]
Roles = Annotated[list[str] | None, Form(max_length=10)]


def _accounts_page(
    page: Page,
    db: Db,
    problems: dict[str, str] | None = None,
    typed: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    caller = guard(page, **ADMINISTRATOR)
    members = [
        (user, in_order(caller.kind, user.roles)) for user in people.members(db, caller.org_id)
    ]
    orgs = list(db.scalars(select(Org).order_by(Org.kind, Org.name)))
    note = page.request.query_params.get("done")
    return page.render(
        "operator/accounts.html",
        {
            "members": members,
            "roles": roles_of_kind(caller.kind),
            "role_names": ROLE_NAMES,
            "kind_names": KIND_NAMES,
            "orgs": orgs,
            "problems": problems or {},
            "typed": typed or {},
            "note": NOTES.get(note or ""),
            "day": day,
        },
        status_code=status_code,
    )


@router.get("/operator/accounts", response_class=HTMLResponse)
def accounts_page(page: PageRequest, db: Db) -> HTMLResponse:
    return _accounts_page(page, db)


def _change(
    page: Page, db: Db, form: str, typed: dict[str, object], change: Callable[[], str]
) -> Response:
    try:
        lock_for_write(db)
        note = change()
        db.commit()
    except RegistryError as exc:
        db.rollback()
        if exc.status in (401, 403):
            raise
        return _accounts_page(page, db, {form: exc.detail}, typed, exc.status)
    return done("/operator/accounts", note)


@router.post("/operator/accounts/users")
def add_person(
    page: PageRequest,
    db: Db,
    csrf: Csrf = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    role: Roles = None,
) -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **ADMINISTRATOR)

    def change() -> str:
        try:  # the API's own body: the same limits and sentences
            body = UserCreate(email=email.strip(), password=password, roles=role or [])
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise Unprocessable(f"{where}: {error['msg']}") from None
        people.add_member(db, caller, body.email, body.password, body.roles)
        return "added"

    return _change(page, db, "add", {"email": email, "roles": role or []}, change)


@router.post("/operator/accounts/users/{user_id}/roles")
def set_roles(
    page: PageRequest, db: Db, user_id: int, csrf: Csrf = "", role: Roles = None
) -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **ADMINISTRATOR)

    def change() -> str:
        people.set_roles(db, caller, user_id, role or [])
        return "roles"

    return _change(page, db, f"roles-{user_id}", {}, change)


@router.post("/operator/accounts/users/{user_id}/remove")
def remove_person(page: PageRequest, db: Db, user_id: int, csrf: Csrf = "") -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **ADMINISTRATOR)

    def change() -> str:
        people.remove_member(db, caller, user_id)
        return "removed"

    return _change(page, db, f"roles-{user_id}", {}, change)
