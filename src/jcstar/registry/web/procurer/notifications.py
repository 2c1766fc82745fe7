"""Where a procurer is told: its notification channels (a webhook, whose signing secret is
shown once, when it is added; an e-mail address) and the deliveries made to them, with their
state and a retry for a failed one. Through ``registry.watch.service`` and
``registry.outbox.service``, as ``/api/v1/notification-channels`` and ``/api/v1/deliveries``,
with the API's role guard for changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.deps import Db
from jcstar.registry.errors import RegistryError, Unprocessable
from jcstar.registry.outbox import service as outbox
from jcstar.registry.watch import service
from jcstar.registry.watch.models import Channel
from jcstar.registry.watch.schemas import ChannelCreate
from jcstar.registry.web import forms
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.operator.common import minute
from jcstar.registry.web.procurer.common import (
    WATCH_ROLES,
    Procurer,
    Token,
    WatchManager,
    done,
    names,
    refused,
)
from jcstar.registry.web.render import Page, PageRequest

router = APIRouter(include_in_schema=False)

PATH = "/procurer/notifications"
PAGE_SIZE = 50
DONE = {
    "email": N_("The e-mail address was added: notifications go there from now on."),
    "removed": N_("The channel was removed: nothing more is sent there."),
    "retried": N_("The delivery will be sent again shortly, with the same delivery id."),
}
State = Literal["pending", "delivered", "failed"]


def _page(
    page: Page,
    db: Db,
    caller: Procurer,
    state: State | None = None,
    offset: int = 0,
    *,
    created: Channel | None = None,
    typed: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    deliveries, total = outbox.list_deliveries(db, caller, state, offset, PAGE_SIZE)
    note = page.request.query_params.get("done")
    context: dict[str, Any] = {
        "channels": service.live_channels(db, caller),
        "deliveries": deliveries,
        "total": total,
        "state": state or "",
        "offset": offset,
        "page_size": PAGE_SIZE,
        "previous": page.with_query(offset=max(offset - PAGE_SIZE, 0) or None, done=None),
        "next": page.with_query(offset=offset + PAGE_SIZE, done=None),
        "may_change": caller.holds(*WATCH_ROLES),
        "created": created,
        "typed": typed or {},
        "problems": problems or {},
        "done": DONE.get(note or ""),
        "minute": minute,
        **names(),
    }
    return page.render("procurer/notifications.html", context, status_code=status_code)


@router.get(PATH, response_class=HTMLResponse)
def notifications_page(
    page: PageRequest,
    db: Db,
    caller: Procurer,
    state: State | None = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    return _page(page, db, caller, state, offset)


def _channel(**target: str) -> ChannelCreate:
    try:
        return ChannelCreate.model_validate(target)
    except ValidationError as exc:
        field = next(iter(target))
        first = exc.errors()[0]
        raise Unprocessable(
            f"{field}: {first['msg']}",
            code="invalid_field",
            params={"field": field, "detail": first["msg"]},
        ) from None


@router.post(f"{PATH}/webhook", response_class=HTMLResponse)
def add_webhook(
    page: PageRequest,
    db: Db,
    caller: WatchManager,
    csrf: Token = "",
    webhook_url: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """As ``POST /api/v1/notification-channels``. The answer is the page itself, with the
    signing secret: shown this once, it must not travel in an address (a redirect would put
    it in the history and in logs)."""
    forms.check(page.request, page.settings, csrf)
    try:
        body = _channel(webhook_url=webhook_url.strip())
        # the service takes the write lock itself, once the webhook's host is resolved
        allow = page.settings.webhook_allow_private
        channel = service.add_channel(db, caller, body, allow_private=allow)
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        typed = {"webhook_url": webhook_url}
        return _page(
            page, db, caller, typed=typed, problems={"webhook": problem}, status_code=exc.status
        )
    return _page(page, db, caller, created=channel, status_code=201)


@router.post(f"{PATH}/email", response_class=HTMLResponse)
def add_email(
    page: PageRequest,
    db: Db,
    caller: WatchManager,
    csrf: Token = "",
    email: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    forms.check(page.request, page.settings, csrf)
    try:
        body = _channel(email=email.strip())
        allow = page.settings.webhook_allow_private
        service.add_channel(db, caller, body, allow_private=allow)
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        return _page(
            page,
            db,
            caller,
            typed={"email": email},
            problems={"email": problem},
            status_code=exc.status,
        )
    return done(PATH, "email")


@router.post(PATH + "/channels/{channel_id}/remove", response_class=HTMLResponse)
def remove_channel(
    page: PageRequest, db: Db, caller: WatchManager, channel_id: int, csrf: Token = ""
) -> Response:
    """As ``DELETE /api/v1/notification-channels/{id}``: another organisation's is 404."""
    forms.check(page.request, page.settings, csrf)
    try:
        lock_for_write(db)
        service.remove_channel(db, caller, channel_id, utcnow())
        db.commit()
    except RegistryError:
        db.rollback()
        raise
    return done(PATH, "removed")


@router.post("/procurer/deliveries/{delivery_id}/retry", response_class=HTMLResponse)
def retry_delivery(
    page: PageRequest,
    db: Db,
    caller: WatchManager,
    delivery_id: Annotated[str, Path(max_length=64)],
    csrf: Token = "",
) -> Response:
    """As ``POST /api/v1/deliveries/{id}/retry``: only a failed delivery of the caller's own
    organisation (another's is 404), to a channel not removed since."""
    forms.check(page.request, page.settings, csrf)
    try:
        lock_for_write(db)
        outbox.retry(db, caller, delivery_id)
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        if exc.status in (401, 403, 404):
            raise
        return _page(page, db, caller, problems={"deliveries": problem}, status_code=exc.status)
    return done(PATH, "retried")
