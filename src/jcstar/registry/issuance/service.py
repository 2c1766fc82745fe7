"""Submitting and approving, where the labels already issued matter: a renewal names its label,
a model number carries one label at a time, and approval issues the label and supersedes the
ones it replaces. Each function runs in the caller's transaction (the router holds the write
lock and commits)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jcstar.assessment.models import AssessmentReport
from jcstar.labels import Keyring, LabelError
from jcstar.registry.accounts.service import Principal, normal_model
from jcstar.registry.applications import service as applications
from jcstar.registry.applications.models import Application
from jcstar.registry.applications.schemas import ApplicationPublic
from jcstar.registry.db import utcnow
from jcstar.registry.errors import Conflict, Unprocessable
from jcstar.registry.issuance import renewal
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import Label, LabelModel
from jcstar.registry.outbox import replacement
from jcstar.registry.settings import Settings


@dataclass(frozen=True)
class IssuedLabels:
    """The applications domain's ``LabelRules``, read from the labels this registry issued."""

    session: Session
    settings: Settings

    def check_renewal(self, app: Application) -> None:
        renewal.renewed_label(self.session, self.settings, app)

    def check_submission(self, app: Application, report: AssessmentReport) -> None:
        if app.renews:
            renewal.renewed_label(self.session, self.settings, app)
            renewal.require_current_report(report, self.settings, utcnow())
        superseded_labels(self.session, app)


def label_rules(session: Session, settings: Settings) -> applications.LabelRules:
    return IssuedLabels(session, settings)


def approve(
    session: Session,
    settings: Settings,
    keyring: Keyring,
    caller: Principal,
    app_id: int,
    reason: str | None,
) -> Label:
    """Approve and issue the label, superseding the labels it replaces."""
    app = applications.record_approval(session, caller, app_id, reason)
    older = superseded_labels(session, app)
    renewed = renewal.renewed_label(session, settings, app) if app.renews else None
    if renewed is not None and renewed not in older:
        older.append(renewed)  # an expired label is renewed too
    # one notification per organisation for the whole change, not one per event
    with replacement.held(session):
        try:
            label = labels.issue(session, settings, keyring, grant_of(app), caller)
        except (LabelError, ValueError) as exc:
            raise Unprocessable(
                f"cannot issue the label: {exc}", code="cannot_issue", params={"detail": exc}
            ) from exc
        for old in older:
            labels.supersede(session, old, label, caller)
        if renewed is not None:
            labels.mark_renewal(session, label, renewed, caller)
    replacement.enqueue_approval(session, label, older, renewed)
    return label


def grant_of(app: Application) -> labels.Grant:
    """What the approved application grants, as the label side takes it."""
    return labels.Grant(
        application_id=app.id,
        vendor_org_id=app.vendor_org_id,
        vendor=app.vendor.name,
        product=app.product,
        level=app.level,
        model_numbers=tuple(json.loads(app.model_numbers)),
        support_period_end=app.support_period_end,
        vulnerability_contact=app.vulnerability_contact,
        report_json=app.report_json,
    )


def public(
    session: Session, app: Application, viewer: Principal | None = None
) -> ApplicationPublic:
    """The application as its viewer sees it, with the registration number of its label."""
    registration_no = session.scalar(
        select(Label.registration_no).where(Label.application_id == app.id)
    )
    return applications.public(app, viewer, registration_no)


def _model_variants(models: list[str]) -> set[str]:
    return set(models) | {unicodedata.normalize("NFKC", m) for m in models}


def superseded_labels(session: Session, app: Application) -> list[Label]:
    """The labels the application's label will supersede: the maker's own live labels for any
    of its model numbers (a renewal or a level change). ``Conflict`` naming the registration
    number when a model number is under another maker's label, under a suspended label, or
    under a label that covers model numbers the application leaves out."""
    models: list[str] = json.loads(app.model_numbers)
    wanted = {normal_model(m) for m in models}
    found = session.scalars(
        select(Label)
        .join(LabelModel, LabelModel.label_id == Label.id)
        .where(
            LabelModel.model_number.in_(_model_variants(models)),
            Label.status.in_(("valid", "suspended")),
        )
        .options(selectinload(Label.models))
        .order_by(Label.id)
    ).unique()
    on = labels.today()
    live = []
    for label in found:
        status = labels.current_status(label, on)
        if status == "expired":
            continue
        covered = [m.model_number for m in label.models]
        shared = ", ".join(m for m in covered if normal_model(m) in wanted)
        if label.vendor_org_id != app.vendor_org_id:
            raise Conflict(
                f"model number {shared} is under label {label.registration_no} of "
                f"{label.vendor}: a model number carries one label at a time",
                code="model_under_other_vendor",
                params={"models": shared, "label": label.registration_no, "vendor": label.vendor},
            )
        if status != "valid":
            raise Conflict(
                f"model number {shared} is under label {label.registration_no}, which is "
                f"{status}: it cannot be superseded until it is reinstated or revoked",
                code="model_label_not_valid",
                params={"models": shared, "label": label.registration_no, "status": status},
            )
        left_out = [m for m in covered if normal_model(m) not in wanted]
        if left_out:
            raise Conflict(
                f"label {label.registration_no} also covers {', '.join(left_out)}: an "
                "application that supersedes it must cover all of its model numbers",
                code="supersede_left_out",
                params={"label": label.registration_no, "missing": ", ".join(left_out)},
            )
        live.append(label)
    return live
