"""Which accepted applications and labels cover a model number.

A vendor may not claim its product is "applied for" before the operator has accepted the
application and given an acceptance number (jcstar-facts §3.3), so drafts, submitted but not
yet accepted, returned and rejected applications never show. Model numbers compare as the
registry compares them everywhere (``normal_model``: width and case do not matter)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jcstar.registry.accounts.service import normal_model
from jcstar.registry.applications.models import Application
from jcstar.registry.claims.schemas import ClaimCheck, ClaimMatch
from jcstar.registry.labels.models import Label
from jcstar.registry.labels.service import current_status
from jcstar.registry.search_keys import normal

#: accepted and not decided on: the claim "applied for" is allowed
PENDING = ("accepted", "under_review")
#: a label in this status backs a claim that the product is labelled
LIVE = ("valid",)


def _pending(session: Session, wanted: str) -> list[ClaimMatch]:
    # applications in review are few (bounded by the operator's pace), so they are read and
    # compared here rather than indexed by model number
    found = []
    for app in session.scalars(
        select(Application).where(Application.state.in_(PENDING)).order_by(Application.id)
    ):
        model = next((m for m in json.loads(app.model_numbers) if normal_model(m) == wanted), None)
        if model is not None:
            found.append(
                ClaimMatch(
                    acceptance_no=app.acceptance_no,
                    vendor=app.vendor.name,
                    level=app.level,
                    state=app.state,
                    model_number=model,
                )
            )
    return found


def _labelled(session: Session, wanted: str, on: dt.date) -> list[ClaimMatch]:
    # the search text holds every model number in the same normal form: a narrow first cut
    rows = session.execute(
        select(Label, Application.acceptance_no)
        .outerjoin(Application, Application.id == Label.application_id)
        .where(Label.search_text.contains(wanted, autoescape=True), Label.status != "superseded")
        .options(selectinload(Label.models))
        .order_by(Label.id)
    )
    found = []
    for label, acceptance_no in rows:
        model = next(
            (m.model_number for m in label.models if normal_model(m.model_number) == wanted), None
        )
        if model is not None:
            found.append(
                ClaimMatch(
                    acceptance_no=acceptance_no,
                    vendor=label.vendor,
                    level=label.level,
                    state="approved",
                    model_number=model,
                    registration_no=label.registration_no,
                    label_status=current_status(label, on),
                    product_url=label.product_url,
                )
            )
    return found


def check(session: Session, model: str, on: dt.date) -> ClaimCheck:
    wanted = normal_model(model)
    matches = _pending(session, wanted) + _labelled(session, normal(wanted), on)
    backed = any(m.state in PENDING or m.label_status in LIVE for m in matches)
    return ClaimCheck(model=model, accepted=backed, matches=matches)
