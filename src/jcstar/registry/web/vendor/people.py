"""The vendor's own people, for its administrators: add a person with roles, change a
person's roles, remove a person (``accounts.people``, as ``/api/v1/orgs/me/users`` does, with
the same bodies and sentences)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from jcstar.registry.accounts import people
from jcstar.registry.accounts.roles import in_order, roles_of_kind
from jcstar.registry.accounts.schemas import UserCreate
from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db, may
from jcstar.registry.errors import RegistryError, Unprocessable
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.render import ROLE_NAMES, Page, PageRequest
from jcstar.registry.web.vendor.common import check_form, refused

router = APIRouter(include_in_schema=False)

#: a vendor's administrator (the API's ``OrgAdministrator``, for a vendor's pages)
VendorAdministrator = Annotated[Principal, Depends(may(vendor=("administrator",)))]
Csrf = Annotated[str, Form(max_length=200)]
Roles = Annotated[list[str] | None, Form(max_length=10)]
NOTES = {
    "added": N_("The person is added."),
    "roles": N_("The roles are changed."),
    "removed": N_("The person is removed; their sessions are ended."),
}


def _people_page(
    page: Page,
    db: Db,
    caller: Principal,
    problems: dict[str, str] | None = None,
    typed: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    members = [(u, in_order(caller.kind, u.roles)) for u in people.members(db, caller.org_id)]
    note = page.request.query_params.get("done") or ""
    context = {
        "members": members,
        "roles": roles_of_kind(caller.kind),
        "role_names": ROLE_NAMES,
        "problems": problems or {},
        "typed": typed or {},
        "note": NOTES.get(note),
    }
    return page.render("vendor/people.html", context, status_code=status_code)


@router.get("/vendor/people", response_class=HTMLResponse)
def people_page(page: PageRequest, db: Db, caller: VendorAdministrator) -> HTMLResponse:
    return _people_page(page, db, caller)


def _change(
    page: Page,
    db: Db,
    caller: Principal,
    form: str,
    typed: dict[str, object],
    change: Callable[[], str],
) -> Response:
    try:
        lock_for_write(db)
        note = change()
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        return _people_page(page, db, caller, {form: problem}, typed, exc.status)
    return RedirectResponse(f"/vendor/people?done={note}", status_code=303)


@router.post("/vendor/people", response_class=HTMLResponse)
def add_person(
    page: PageRequest,
    db: Db,
    caller: VendorAdministrator,
    csrf: Csrf = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    role: Roles = None,
) -> Response:
    check_form(page, csrf)

    def change() -> str:
        try:  # the API's own body: the same limits and sentences
            body = UserCreate(email=email.strip(), password=password, roles=role or [])
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise Unprocessable(
                f"{where}: {error['msg']}",
                code="invalid_field",
                params={"field": where, "detail": error["msg"]},
            ) from None
        people.add_member(db, caller, body.email, body.password, body.roles)
        return "added"

    return _change(page, db, caller, "add", {"email": email, "roles": role or []}, change)


@router.post("/vendor/people/{user_id}/roles", response_class=HTMLResponse)
def set_roles(
    page: PageRequest,
    db: Db,
    caller: VendorAdministrator,
    user_id: int,
    csrf: Csrf = "",
    role: Roles = None,
) -> Response:
    check_form(page, csrf)

    def change() -> str:
        people.set_roles(db, caller, user_id, role or [])
        return "roles"

    return _change(page, db, caller, f"roles-{user_id}", {}, change)


@router.post("/vendor/people/{user_id}/remove", response_class=HTMLResponse)
def remove_person(
    page: PageRequest, db: Db, caller: VendorAdministrator, user_id: int, csrf: Csrf = ""
) -> Response:
    check_form(page, csrf)

    def change() -> str:
        people.remove_member(db, caller, user_id)
        return "removed"

    return _change(page, db, caller, f"roles-{user_id}", {}, change)
