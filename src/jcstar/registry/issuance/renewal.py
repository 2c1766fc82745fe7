"""Renewal (here, not in ``applications``: it reads labels): an application that names the
label it renews. IPA's renewal procedure was not readable (jcstar-facts §3.3 [U]), so the
window and the report's age are our judgement, as settings: a renewal opens
``renewal_window_days`` before expiry (or any time after), is made by the label's maker for
all of its model numbers, and re-checks the product with a report at most
``renewal_report_max_age_days`` old."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jcstar.assessment.models import AssessmentReport
from jcstar.registry.accounts.service import normal_model
from jcstar.registry.applications.models import Application
from jcstar.registry.errors import Conflict, Forbidden, Unprocessable
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import Label
from jcstar.registry.settings import Settings

#: a label in these statuses can be renewed (a suspended one must be reinstated first)
RENEWABLE = ("valid", "expired")


def window_opens(label: Label, settings: Settings) -> dt.date:
    return label.expires_on - dt.timedelta(days=settings.renewal_window_days)


def renewed_label(session: Session, settings: Settings, app: Application) -> Label:
    """The label ``app`` renews, if the renewal may go ahead today; else the error that says
    why: unknown (422), another maker's (403), not renewable (409), window not open yet
    (409, with the date it opens), or model numbers left out (422)."""
    assert app.renews is not None
    label = session.scalar(
        select(Label)
        .where(Label.registration_no == app.renews)
        .options(selectinload(Label.models), selectinload(Label.events))
    )
    if label is None:
        raise Unprocessable(
            f"renews: no label {app.renews!r}",
            code="renews_unknown",
            params={"label": repr(app.renews)},
        )
    if label.vendor_org_id != app.vendor_org_id:
        raise Forbidden(
            f"label {label.registration_no} is {label.vendor}'s: only its maker (or a proxy "
            "it authorised) may renew it",
            code="renew_not_maker",
            params={"label": label.registration_no, "vendor": label.vendor},
        )
    on = labels.today()
    status = labels.current_status(label, on)
    if status not in RENEWABLE:
        raise Conflict(
            f"label {label.registration_no} is {status}; only a valid or expired label can be "
            "renewed",
            code="not_renewable",
            params={"label": label.registration_no, "status": status},
        )
    opens = window_opens(label, settings)
    if on < opens:
        raise Conflict(
            f"renewal of label {label.registration_no} opens on {opens.isoformat()} "
            f"({settings.renewal_window_days} days before it expires on "
            f"{label.expires_on.isoformat()})",
            code="renewal_not_open",
            params={
                "label": label.registration_no,
                "opens": opens.isoformat(),
                "days": settings.renewal_window_days,
                "expires": label.expires_on.isoformat(),
            },
        )
    wanted = {normal_model(m) for m in json.loads(app.model_numbers)}
    left_out = [m.model_number for m in label.models if normal_model(m.model_number) not in wanted]
    if left_out:
        raise Unprocessable(
            f"a renewal of label {label.registration_no} must cover all of its model numbers; "
            f"missing {', '.join(left_out)}",
            code="renewal_models_left_out",
            params={"label": label.registration_no, "missing": ", ".join(left_out)},
        )
    return label


def require_current_report(report: AssessmentReport, settings: Settings, now: dt.datetime) -> None:
    """A renewal re-checks the product as it is now: its report must be recent."""
    oldest = now - dt.timedelta(days=settings.renewal_report_max_age_days)
    generated = report.generated_at
    if generated.tzinfo is None:  # a report without a zone was written in UTC
        generated = generated.replace(tzinfo=dt.UTC)
    if generated < oldest:
        raise Unprocessable(
            f"cannot submit: the report was generated on {report.generated_at.date().isoformat()}"
            f"; a renewal needs one at most {settings.renewal_report_max_age_days} days old "
            "(assess the product again)",
            code="renewal_report_old",
            params={
                "generated": report.generated_at.date().isoformat(),
                "days": settings.renewal_report_max_age_days,
            },
        )
