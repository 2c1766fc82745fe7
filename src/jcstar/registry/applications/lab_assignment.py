"""The ★3/★4 lab step: which evaluation lab an application is assigned to, and whether that
lab's evaluation report is attached.

★3 and ★4 labels are granted on an IPA-recognised evaluation body's conformity assessment
report (jcstar-facts §2, §5 [V]). How a lab comes to an application is our judgement: the
vendor may name one when applying, and the operator assigns (or reassigns) one; only the
evaluation report of the lab assigned *now* counts, so a report from a lab the operator
replaced never carries an application.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jcstar.registry.accounts.models import Org
from jcstar.registry.applications.models import Application, Document
from jcstar.registry.errors import Conflict, Forbidden, Unprocessable

#: the first level a third party evaluates (★1 and ★2 are self-declared, jcstar-facts §2)
LAB_LEVEL = 3
EVALUATION_REPORT = "evaluation_report"
#: while a lab may be assigned: until the application is decided
ASSIGNABLE = ("draft", "returned", "submitted", "accepted", "under_review")


def labs(session: Session) -> list[Org]:
    """Every evaluation lab organisation, by name: what the operator assigns from."""
    return list(session.scalars(select(Org).where(Org.kind == "lab").order_by(Org.name)))


def needs_lab(app: Application) -> bool:
    return app.level >= LAB_LEVEL


def evaluation_reports(app: Application) -> list[Document]:
    """The evaluation reports the assigned lab attached (another lab's do not count)."""
    if app.lab_org_id is None:
        return []
    return [
        d
        for d in app.documents
        if d.kind == EVALUATION_REPORT and d.uploaded_by_org_id == app.lab_org_id
    ]


def missing_evaluation(app: Application) -> str | None:
    """What the lab step still lacks, naming it; None when nothing (or below ★3)."""
    if not needs_lab(app):
        return None
    needs = f"★{app.level} needs an {EVALUATION_REPORT} document from the named lab"
    if app.lab is None:
        return f"{needs} (no lab assigned)"
    if not evaluation_reports(app):
        return f"{needs} (lab {app.lab.name} has not uploaded it)"
    return None


def check_assignable(app: Application, lab: Org) -> None:
    """``Unprocessable``/``Conflict`` naming why ``lab`` cannot be assigned to ``app``."""
    if not needs_lab(app):
        raise Unprocessable(
            f"application {app.application_no} is ★{app.level}: an evaluation lab is assigned "
            f"to ★{LAB_LEVEL} and ★4 applications only (lower levels are self-declared)"
        )
    if app.state not in ASSIGNABLE:
        raise Conflict(
            f"application {app.application_no} is {app.state}; a lab can be assigned only "
            f"when {' or '.join(ASSIGNABLE)}"
        )
    if app.lab_org_id == lab.id:
        raise Conflict(f"application {app.application_no} is already assigned to {lab.name}")


def check_vendor_may_name(app: Application) -> None:
    """A vendor names its lab until the operator assigns one; from then on the lab is the
    operator's to change (``Forbidden`` naming the lab)."""
    if any(event.state == "lab_assigned" for event in app.events):
        lab = app.lab.name if app.lab else "a lab"
        raise Forbidden(
            f"the operator assigned {lab} to evaluate this application; only the operator "
            "changes it"
        )
