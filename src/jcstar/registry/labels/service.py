"""Issue, change and describe labels. Each change records its history and a log entry in the
caller's transaction (the caller holds the write lock and commits)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

from joserfc.jws import extract_compact
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from jcstar.labels import Keyring, LabelClaims
from jcstar.labels.artwork import label_png, label_svg
from jcstar.labels.fit import seal_to_fit, sign_to_fit
from jcstar.registry.accounts.service import Principal
from jcstar.registry.criteria import lookup as criteria_lookup
from jcstar.registry.db import utcnow
from jcstar.registry.errors import Conflict, Forbidden, NotFound
from jcstar.registry.labels import consumer, documents
from jcstar.registry.labels.models import Label, LabelEvent, LabelModel, Notice
from jcstar.registry.labels.schemas import (
    LabelPublic,
    LabelSummary,
    NoticePublic,
    StatusEventPublic,
)
from jcstar.registry.log import service as log
from jcstar.registry.outbox.enqueue import enqueue_label_event
from jcstar.registry.search_keys import search_key
from jcstar.registry.settings import Settings


@dataclass(frozen=True)
class Transition:
    """A status change: the statuses it starts from, and the status it leaves."""

    event: str
    from_statuses: tuple[str, ...]
    to_status: str


TRANSITIONS = {
    "suspend": Transition("suspended", ("valid", "expired"), "suspended"),
    "revoke": Transition("revoked", ("valid", "expired", "suspended"), "revoked"),
    "reinstate": Transition("reinstated", ("suspended",), "valid"),
}


def today() -> dt.date:
    return utcnow().date()


def current_status(label: Label, on: dt.date) -> str:
    """The status a reader sees: a valid label past its expiry is ``expired``."""
    if label.status == "valid" and label.expires_on < on:
        return "expired"
    return label.status


def support_ended(support_period_end: dt.date | None, on: dt.date) -> bool:
    """The vendor's support period (S1.1-16) is over: information for buyers, not a change of
    the label's status (the label stays valid until it expires)."""
    return support_period_end is not None and support_period_end < on


def expiry_for(issued_on: dt.date, years: int) -> dt.date:
    try:
        return issued_on.replace(year=issued_on.year + years)
    except ValueError:  # 29 February
        return issued_on.replace(year=issued_on.year + years, day=28)


def find(session: Session, registration_no: str) -> Label:
    label = session.scalar(
        select(Label)
        .where(Label.registration_no == registration_no)
        .options(
            selectinload(Label.models), selectinload(Label.events), selectinload(Label.notices)
        )
    )
    if label is None:
        raise NotFound(f"no label {registration_no!r}")
    return label


def _next_registration_no(session: Session, settings: Settings, level: int, on: dt.date) -> str:
    """The next free number for this level and year (callers hold the write lock)."""
    prefix = settings.registration_format.split("{seq", 1)[0].format(level=level, year=on.year)
    issued = session.scalar(
        select(func.count()).select_from(Label).where(Label.registration_no.startswith(prefix))
    )
    seq = (issued or 0) + 1
    while True:
        number = settings.registration_format.format(level=level, year=on.year, seq=seq)
        if session.scalar(select(Label.id).where(Label.registration_no == number)) is None:
            return number
        seq += 1


def _claims(label: Label, models: list[str], settings: Settings) -> LabelClaims:
    return LabelClaims(
        registration_no=label.registration_no,
        level=label.level,
        vendor=label.vendor,
        product=label.product,
        model_numbers=tuple(models),
        issued_on=label.issued_on,
        expires_on=label.expires_on,
        support_period_end=label.support_period_end,
        vulnerability_contact=label.vulnerability_contact,
        product_url=label.product_url,
        issuer=settings.base_url,
        criteria_version=label.criteria_version,
    )


def claims_in(jws: str) -> LabelClaims:
    """The claims exactly as signed (read back from the stored JWS)."""
    return LabelClaims.from_payload(extract_compact(jws.encode()).payload)


@dataclass(frozen=True)
class Grant:
    """What an approved application grants, as plain values: the label side needs no
    application (the two domains do not import each other; ``registry.issuance`` joins them)."""

    application_id: int
    vendor_org_id: int
    vendor: str
    product: str
    level: int
    model_numbers: tuple[str, ...]
    support_period_end: dt.date | None
    vulnerability_contact: str | None
    #: the assessment report as submitted (its criteria version and consumer fields)
    report_json: str


def issue(
    session: Session, settings: Settings, keyring: Keyring, grant: Grant, by: Principal
) -> Label:
    """The label for an approved application: numbered, signed, logged."""
    on = today()
    models = list(grant.model_numbers)
    number = _next_registration_no(session, settings, grant.level, on)
    info = consumer.consumer_of(grant.report_json)
    label = Label(
        registration_no=number,
        application_id=grant.application_id,
        vendor_org_id=grant.vendor_org_id,
        vendor=grant.vendor,
        product=grant.product,
        level=grant.level,
        issued_on=on,
        expires_on=expiry_for(on, settings.validity_years),
        support_period_end=grant.support_period_end,
        vulnerability_contact=grant.vulnerability_contact,
        status="valid",
        # the version the report was assessed against (the submission checked it is known)
        criteria_version=json.loads(grant.report_json).get("criteria_version"),
        product_url=f"{settings.base_url}/p/{number}",
        search_text=search_key(
            grant.vendor, grant.product, models, number, info.names() if info else ()
        ),
        jws="",
        **consumer.columns(info),
    )
    # signed to fit a scannable QR code (refused before storing when it cannot)
    label.jws = sign_to_fit(keyring, _claims(label, models, settings))[1]
    # the compact seal printed on the label (None when it cannot fit: the JWS QR is printed)
    label.seal_qr = seal_to_fit(keyring, _claims(label, models, settings))
    label.models = [LabelModel(position=i, model_number=m) for i, m in enumerate(models)]
    label.events = []
    label.notices = []
    session.add(label)
    session.flush()
    _record(session, label, "issued", by, None)
    return label


def change_status(session: Session, label: Label, action: str, by: Principal, reason: str) -> None:
    transition = TRANSITIONS[action]
    status = current_status(label, today())
    if status not in transition.from_statuses:
        raise Conflict(f"label {label.registration_no} is {status}; cannot {action} it")
    label.status = transition.to_status
    _record(session, label, transition.event, by, reason)


def supersede(session: Session, old: Label, new: Label, by: Principal) -> None:
    """``old`` replaced by ``new`` (same maker, same model numbers): final, with the new
    number in its history, on its page and in the log."""
    old.status = "superseded"
    old.superseded_by = new.registration_no
    _record(session, old, "superseded", by, f"superseded by {new.registration_no}")


def mark_renewal(session: Session, new: Label, old: Label, by: Principal) -> None:
    """``new`` was issued by a renewal application naming ``old``: the link on its page, in
    its history and in the log (``old`` shows "superseded by" from ``supersede``)."""
    new.renews = old.registration_no
    _record(session, new, "renews", by, f"renews {old.registration_no}")


def add_notice(
    session: Session, label: Label, by: Principal, title: str, body: str, url: str | None
) -> Notice:
    if by.kind != "operator" and by.org_id != label.vendor_org_id:
        raise Forbidden(
            "only the label's vendor or the operator may post a notice",
            code="notice_by_vendor_or_operator",
        )
    notice = Notice(title=title, body=body, url=url, at=utcnow(), by_org_id=by.org_id)
    label.notices.append(notice)
    session.flush()
    log.append(
        session,
        "notice.published",
        label.registration_no,
        {"notice": notice.id, "title": title, "body": body, "url": url, "by": by.by()},
    )
    # watchers and the vendor are told, in this transaction (registry.outbox)
    enqueue_label_event(session, label, "notice", {"notice": {"title": title, "url": url}})
    store_document(session, label)
    return notice


def _record(session: Session, label: Label, event: str, by: Principal, reason: str | None) -> None:
    label.events.append(
        LabelEvent(
            event=event,
            status=label.status,
            at=utcnow(),
            by_org_id=by.org_id,
            by_user_id=by.user_id,
            by_token_id=by.token_id,
            reason=reason,
            expires_on=label.expires_on,
        )
    )
    session.flush()
    payload = {
        "registration_no": label.registration_no,
        "status": label.status,
        "expires_on": label.expires_on.isoformat(),
        "reason": reason,
        "jws": label.jws,
        # who: the organisation and a pseudonymous id of the person or token, never an e-mail
        # address (the log is public and can never be edited)
        "by": by.by(),
    }
    log.append(session, f"label.{event}", label.registration_no, payload)
    # watchers and the vendor are told, in this transaction (registry.outbox)
    enqueue_label_event(session, label, event)
    store_document(session, label)


def store_document(session: Session, label: Label) -> None:
    """Keep the label's stored public JSON in step (every change ends here, same transaction)."""
    documents.store(session, label.id, public(label))


def summary(label: Label, on: dt.date, models: list[str]) -> LabelSummary:
    return LabelSummary(
        registration_no=label.registration_no,
        level=label.level,
        status=current_status(label, on),
        issued_on=label.issued_on,
        expires_on=label.expires_on,
        vendor=label.vendor,
        product=label.product,
        model_numbers=models,
        support_period_end=label.support_period_end,
        vulnerability_contact=label.vulnerability_contact,
        product_url=label.product_url,
        support_ended=support_ended(label.support_period_end, on),
        **consumer.published(label),
    )


def qr_of(label: Label) -> str:
    """The text of a stored label's QR code: its compact seal, or for a label issued before
    seals (migration 0009) ``<product page>#<JWS>`` until it is renewed. Both were checked at
    signing to fit a scannable code; encoding a QR code again on every read would cost
    ~100 ms, so reads only join the parts."""
    return label.seal_qr or f"{label.product_url}#{label.jws}"


@lru_cache(maxsize=256)
def artwork_svg(jws: str, qr_text: str) -> str:
    """The label artwork with ``qr_text`` (``qr_of``) in its QR code; cached, since drawing
    the QR code is the slow part of a page."""
    return label_svg(claims_in(jws), qr_text)


@lru_cache(maxsize=64)
def artwork_png(jws: str, qr_text: str) -> bytes:
    return label_png(claims_in(jws), qr_text)


def public(label: Label) -> LabelPublic:
    on = today()
    base = summary(label, on, [m.model_number for m in label.models])
    return LabelPublic(
        **base.model_dump(),
        qr=qr_of(label),
        jws=label.jws,
        superseded_by=label.superseded_by,
        renews=label.renews,
        criteria=criteria_lookup.standing_of(label),
        status_history=[
            StatusEventPublic(
                status=e.status, event=e.event, at=e.at, reason=e.reason, expires_on=e.expires_on
            )
            for e in label.events
        ],
        notices=[
            NoticePublic(id=n.id, title=n.title, body=n.body, url=n.url, at=n.at, by=n.by.name)
            for n in label.notices
        ],
    )
