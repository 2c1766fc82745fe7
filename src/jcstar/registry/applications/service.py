"""The application workflow. Each function makes one state change in the caller's
transaction; the router takes the write lock first and commits after, so a failure at any
point leaves nothing half-stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jcstar.assessment.decision import (
    Decision,
    Problem,
    ReportFormatError,
    label_decision,
    parse_report,
)
from jcstar.assessment.models import AssessmentReport
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.registry.accounts.models import Org
from jcstar.registry.accounts.service import (
    Principal,
    find_makers,
    find_org,
    has_identity,
    is_maker,
    proxy_authorisation,
)
from jcstar.registry.applications import lab_assignment
from jcstar.registry.applications.documents import DOCUMENT_KINDS, sniff_media_type
from jcstar.registry.applications.fees import fee_table
from jcstar.registry.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationProxy,
    Document,
)
from jcstar.registry.applications.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApplicationUpdate,
    DocumentPublic,
    EventPublic,
)
from jcstar.registry.criteria import lookup as criteria_lookup
from jcstar.registry.db import utcnow
from jcstar.registry.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooLarge,
    Unprocessable,
    UnsupportedType,
)
from jcstar.registry.log import service as log
from jcstar.registry.settings import Settings

EDITABLE = ("draft", "returned")
#: a draft's reference until its first submission: IPA numbers an application when it is
#: filed (jcstar-facts §3.3 [I]); the format is our judgement
DRAFT_FORMAT = "D-{year}-{seq:06d}"
IN_REVIEW = ("submitted", "accepted", "under_review")
#: approval needs acceptance and the fee paid: never straight from ``submitted``
APPROVABLE = ("accepted", "under_review")


def _visible(app: Application, caller: Principal) -> bool:
    return caller.kind == "operator" or caller.org_id in (
        app.vendor_org_id,
        app.proxy_org_id,
        app.lab_org_id,
    )


def load(session: Session, caller: Principal, app_id: int) -> Application:
    """The application if the caller may see it; another's is as unknown as a missing one."""
    app = session.get(Application, app_id)
    if app is None or not _visible(app, caller):
        raise NotFound(f"no application {app_id}", code="no_application", params={"id": app_id})
    return app


def load_own(session: Session, caller: Principal, app_id: int) -> Application:
    app = load(session, caller, app_id)
    if app.applicant_org_id != caller.org_id:
        raise Forbidden("only the applying vendor may do this", code="not_the_applicant")
    return app


def listing(session: Session, caller: Principal, state: str | None) -> list[Application]:
    query = select(Application).order_by(Application.id)
    if caller.kind == "vendor":
        query = query.outerjoin(ApplicationProxy).where(
            or_(
                Application.vendor_org_id == caller.org_id,
                ApplicationProxy.proxy_org_id == caller.org_id,
            )
        )
    elif caller.kind == "lab":
        query = query.where(Application.lab_org_id == caller.org_id)
    if state:
        query = query.where(Application.state == state)
    return list(session.scalars(query))


def _report(data: dict[str, Any]) -> AssessmentReport:
    try:
        return parse_report(data)
    except ReportFormatError as exc:
        raise Unprocessable(str(exc), code="bad_report", params={"detail": exc}) from exc


def _lab(session: Session, name: str | None) -> Org | None:
    if name is None:
        return None
    org = find_org(session, name)
    if org is None or org.kind != "lab":
        raise Unprocessable(
            f"no evaluation lab named {name!r}", code="no_such_lab", params={"name": repr(name)}
        )
    return org


def _model_numbers(given: list[str] | None, report: AssessmentReport) -> list[str]:
    models = [m.strip() for m in (given or list(report.product.model_numbers))]
    if any(not m or len(m) > 100 for m in models):
        raise Unprocessable(
            "each model number must be 1 to 100 characters", code="model_number_length"
        )
    if len(set(models)) != len(models):
        raise Unprocessable("model numbers must not repeat", code="model_numbers_repeat")
    return models


def _maker(
    session: Session, caller: Principal, report: AssessmentReport, models: list[str]
) -> tuple[Org, int | None]:
    """The maker the report is of, and the proxy applying for it (None: the maker itself).

    The caller needs a recorded identity; the report's vendor (its corporate number when it
    gives one, else its name in either language) must be the caller, or a registered maker
    whose authorisation (委任状) in force names the caller for all of ``models``.
    """
    applicant = session.get(Org, caller.org_id)
    assert applicant is not None
    if not has_identity(applicant):
        raise Forbidden(
            f"{applicant.name} has no recorded identity (legal names, country, corporate "
            "number): the operator records it (jcstar admin set-identity) before it can apply",
            code="no_identity",
            params={"applicant": applicant.name},
        )
    vendor, number = report.product.vendor, report.product.vendor_corporate_number
    if is_maker(applicant, vendor, number):
        return applicant, None
    who = f"{vendor!r}" + (f" (corporate number {number})" if number else "")
    makers = find_makers(session, vendor, number)
    if not makers:
        raise Forbidden(
            f"the report's vendor {who} is not {applicant.name}: only the maker, or a proxy it "
            "authorised, may apply (the maker is not registered)",
            code="maker_not_registered",
            params={"who": who, "applicant": applicant.name},
        )
    if len(makers) > 1:
        raise Unprocessable(
            f"the report's vendor {who} names {len(makers)} registered organisations; give "
            "vendor_corporate_number in the profile and assess again",
            code="maker_ambiguous",
            params={"who": who, "count": len(makers)},
        )
    maker = makers[0]
    if proxy_authorisation(session, maker.id, applicant.id, models, utcnow().date()) is None:
        raise Forbidden(
            f"the report's vendor is {maker.name}: {applicant.name} holds no authorisation "
            f"(委任状) from it in force for {', '.join(models)}",
            code="no_authorisation",
            params={"maker": maker.name, "applicant": applicant.name, "models": ", ".join(models)},
        )
    return maker, applicant.id


def _assign_maker(
    session: Session, caller: Principal, app: Application, report: AssessmentReport
) -> None:
    maker, proxy = _maker(session, caller, report, json.loads(app.model_numbers))
    app.vendor_org_id, app.vendor = maker.id, maker
    _set_proxy(session, app, proxy)


def _set_proxy(session: Session, app: Application, proxy: int | None) -> None:
    if proxy is None:
        app.proxy_link = None
    elif app.proxy_link is None or app.proxy_link.proxy_org_id != proxy:
        org = session.get(Org, proxy)
        assert org is not None
        app.proxy_link = ApplicationProxy(proxy_org_id=proxy, proxy=org)


def _apply_report(app: Application, report: AssessmentReport, data: dict[str, Any]) -> None:
    body = json.dumps(data, ensure_ascii=False, sort_keys=True)
    app.report_json = body
    app.report_sha256 = hashlib.sha256(body.encode()).hexdigest()
    app.level = report.level
    app.product = report.product.product
    app.support_period_end = report.product.support_period_end
    app.vulnerability_contact = report.product.vulnerability_contact


def _next_number(session: Session, number_format: str) -> str:
    """The next free number of this year in ``number_format`` (callers hold the write lock;
    a draft's reference leaves its series when the draft is numbered, so count, then skip)."""
    year = utcnow().year
    prefix = number_format.split("{seq", 1)[0].format(year=year)
    count = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.application_no.startswith(prefix))
    )
    seq = (count or 0) + 1
    while True:
        number = number_format.format(year=year, seq=seq)
        if (
            session.scalar(select(Application.id).where(Application.application_no == number))
            is None
        ):
            return number
        seq += 1


def numbered(app: Application) -> bool:
    """Whether the application has its application number (申請番号): given on its first
    submission; until then ``application_no`` holds the draft's reference. Drafts made before
    this rule were numbered when created, and keep that number."""
    return not app.application_no.startswith(DRAFT_FORMAT.split("{", 1)[0])


def _next_acceptance_no(session: Session, settings: Settings) -> str:
    """The next acceptance number (受理番号) of this year (callers hold the write lock)."""
    year = utcnow().year
    prefix = settings.acceptance_format.split("{seq", 1)[0].format(year=year)
    count = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.acceptance_no.startswith(prefix))
    )
    return settings.acceptance_format.format(year=year, seq=(count or 0) + 1)


def _received_on(app: Application) -> dt.date:
    """The day the operator received the application: its latest submission (fees depend on
    it, e.g. the introductory ★1 fee for applications received up to 2025-09-30)."""
    submitted = [e.at for e in app.events if e.state == "submitted"]
    return (submitted[-1] if submitted else utcnow()).date()


def _table_fee(settings: Settings, app: Application, on: dt.date) -> int | None:
    return fee_table(settings.fees_path).amount_for(app.level, app.route, on)


class LabelRules(Protocol):
    """What the labels already issued forbid an application; each raises with the reason.
    ``issuance.label_rules`` gives the registry's (this domain does not read labels)."""

    def check_renewal(self, app: Application) -> None:
        """The label ``app.renews`` names may be renewed by this application."""

    def check_submission(self, app: Application, report: AssessmentReport) -> None:
        """No label stands in the way of ``app`` (its renewal, its model numbers)."""


def _set_renews(app: Application, renews: str | None, rules: LabelRules) -> None:
    app.renews = renews.strip() if renews else None
    if app.renews:
        rules.check_renewal(app)  # refused now rather than at submission


def _event(
    session: Session, app: Application, state: str, by: Principal, reason: str | None = None
) -> None:
    """``app`` enters ``state``: see ``_record``."""
    app.state = state
    _record(session, app, state, by, reason)


def _record(
    session: Session, app: Application, step: str, by: Principal, reason: str | None
) -> None:
    """A step in the application's history, naming the person; once the application is
    accepted, also in the transparency log. Before acceptance an application is the vendor's
    business (IPA bans claims of it until it gives a 受理番号, jcstar-facts §3.3), so the
    public log names it only from then on, by its acceptance number; a reason is logged as
    its SHA-256, which binds the text without publishing what the operator wrote to the
    vendor."""
    app.events.append(
        ApplicationEvent(
            state=step,
            at=utcnow(),
            by_org_id=by.org_id,
            by_user_id=by.user_id,
            by_token_id=by.token_id,
            reason=reason,
        )
    )
    if app.acceptance_no is None:
        return
    digest = hashlib.sha256(reason.encode()).hexdigest() if reason else None
    log.append(
        session,
        f"application.{step}",
        app.acceptance_no,
        {
            "acceptance_no": app.acceptance_no,
            "state": app.state,
            "level": app.level,
            "maker": app.vendor.name,
            "reason_sha256": digest,
            "by": by.by(),
        },
    )


def create(
    session: Session,
    settings: Settings,
    caller: Principal,
    body: ApplicationCreate,
    rules: LabelRules,
) -> Application:
    report = _report(body.report)
    lab = _lab(session, body.lab)
    models = _model_numbers(body.model_numbers, report)
    maker, proxy = _maker(session, caller, report, models)
    app = Application(
        application_no=_next_number(session, DRAFT_FORMAT),
        vendor_org_id=maker.id,
        lab_org_id=lab.id if lab else None,
        route=body.route,
        model_numbers=json.dumps(models, ensure_ascii=False),
        created_at=utcnow(),
        events=[],
    )
    _apply_report(app, report, body.report)
    _set_proxy(session, app, proxy)
    _set_renews(app, body.renews, rules)
    app.fee_jpy = _table_fee(settings, app, utcnow().date())
    _event(session, app, "draft", caller)
    session.add(app)
    session.flush()
    return app


def update(
    session: Session,
    settings: Settings,
    caller: Principal,
    app_id: int,
    body: ApplicationUpdate,
) -> Application:
    app = load_own(session, caller, app_id)
    _require_state(app, EDITABLE, "changed")
    report = _report(body.report) if body.report is not None else None
    if report is not None and body.report is not None:
        _apply_report(app, report, body.report)
    if body.model_numbers is not None:
        current = report or _report(json.loads(app.report_json))
        models = _model_numbers(body.model_numbers, current)
        app.model_numbers = json.dumps(models, ensure_ascii=False)
    if body.route is not None:
        app.route = body.route
    if body.lab is not None:
        lab = _lab(session, body.lab)
        if lab is not None and lab.id != app.lab_org_id:
            lab_assignment.check_vendor_may_name(app)
        app.lab_org_id = lab.id if lab else None
    _assign_maker(session, caller, app, report or _report(json.loads(app.report_json)))
    if app.acceptance_no is None:  # an invoiced fee stays what was invoiced
        app.fee_jpy = _table_fee(settings, app, utcnow().date())
    session.flush()
    return app


def _require_state(app: Application, allowed: tuple[str, ...], action: str) -> None:
    if app.state not in allowed:
        raise Conflict(
            f"application {app.application_no} is {app.state}; it can be {action} only when "
            f"{' or '.join(allowed)}",
            code="state_conflict",
            params={
                "application": app.application_no,
                "state": app.state,
                "allowed": allowed,
                "action": action,
            },
        )


def add_document(
    session: Session,
    settings: Settings,
    caller: Principal,
    app_id: int,
    kind: str,
    filename: str,
    content: bytes,
) -> Document:
    app = load(session, caller, app_id)
    if kind not in DOCUMENT_KINDS:
        kinds = ", ".join(DOCUMENT_KINDS)
        raise Unprocessable(
            f"unknown document kind {kind!r} (one of {kinds})",
            code="unknown_document_kind",
            params={"kind": repr(kind), "kinds": kinds},
        )
    if caller.org_id == app.lab_org_id and caller.kind == "lab":
        if kind != "evaluation_report":
            raise Forbidden(
                "a lab may attach only an evaluation_report", code="lab_attaches_evaluation_only"
            )
        _require_state(app, ("draft", "returned", *IN_REVIEW), "given an evaluation report")
    elif caller.org_id == app.vendor_org_id:
        if kind == "evaluation_report":
            raise Forbidden(
                "only the named lab may attach an evaluation_report",
                code="evaluation_report_by_lab",
            )
        _require_state(app, EDITABLE, "given documents")
    else:
        raise Forbidden(
            "only the applying vendor or the named lab may attach documents",
            code="documents_by_vendor_or_lab",
        )
    if len(content) > settings.max_upload_bytes:
        limit = settings.max_upload_bytes
        raise TooLarge(
            f"{filename}: larger than the limit of {limit} bytes",
            code="too_large",
            params={"filename": filename, "limit": limit},
        )
    if not content:
        raise Unprocessable(
            f"{filename}: the file is empty", code="empty_file", params={"filename": filename}
        )
    media_type = sniff_media_type(content)
    if media_type is None:
        raise UnsupportedType(
            f"{filename}: not a PDF, spreadsheet (xlsx), PNG, JPEG, JSON or UTF-8 text document",
            code="unsupported_document",
            params={"filename": filename},
        )
    document = Document(
        kind=kind,
        filename=filename[:255] or "document",
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_org_id=caller.org_id,
        uploaded_at=utcnow(),
    )
    app.documents.append(document)
    if kind == lab_assignment.EVALUATION_REPORT:
        # who attests the evaluation, and to exactly which bytes: the person is in the
        # event, the digest in its reason (logged once the application is accepted)
        _record(
            session,
            app,
            "evaluation_report",
            caller,
            f"evaluation report {document.filename} (SHA-256 {document.sha256}) "
            f"uploaded by {caller.org_name}",
        )
    session.flush()
    return document


def assign_lab(session: Session, caller: Principal, app_id: int, name: str) -> Application:
    """The operator assigns the evaluation lab of a ★3/★4 application (or replaces one):
    from now on only that lab sees the application and only its evaluation report counts."""
    if caller.kind != "operator":
        raise Forbidden(
            "only the operator assigns an evaluation lab", code="lab_assigned_by_operator"
        )
    app = load(session, caller, app_id)
    lab = _lab(session, name.strip())
    assert lab is not None
    lab_assignment.check_assignable(app, lab)
    earlier = app.lab.name if app.lab else None
    app.lab_org_id, app.lab = lab.id, lab
    reason = f"lab {lab.name} assigned" + (f" (was {earlier})" if earlier else "")
    _record(session, app, "lab_assigned", caller, reason)
    session.flush()
    return app


def document(session: Session, caller: Principal, app_id: int, doc_id: int) -> Document:
    app = load(session, caller, app_id)
    found = next((d for d in app.documents if d.id == doc_id), None)
    if found is None:
        raise NotFound(
            f"application {app_id} has no document {doc_id}",
            code="no_document",
            params={"application": app_id, "document": doc_id},
        )
    return found


def decision_for(
    session: Session, settings: Settings, app: Application, report: AssessmentReport
) -> Decision:
    """What the registry would refuse if ``app`` were submitted now, per requirement: what
    ``submit`` checks, and what the vendor's pages show before submitting.

    The criteria versions are those published for the report's scheme (★2 and above: its
    category profile's). The ★3/★4 evaluation report is checked here, against the lab
    assigned now (``lab_assignment``), rather than by document kind in the library, which
    cannot tell which lab attached it."""
    catalog = load_catalog()
    profile = CatalogIndex(catalog).schemes.get(report.catalog.scheme)
    scheme = profile.id if profile is not None and profile.is_profile else None
    criteria = criteria_lookup.published(session, report.level, scheme)
    decision = label_decision(
        report,
        catalog,
        route=app.route,
        document_kinds={d.kind for d in app.documents} | {lab_assignment.EVALUATION_REPORT},
        criteria=criteria,
        on=utcnow().date(),
        refuse_superseded=settings.criteria_lapse_weeks is not None,
    )
    ours = []
    if scheme is not None and not criteria:
        category = profile.category if profile else scheme
        ours.append(
            Problem(
                f"this registry has published no criteria version for {scheme} "
                f"(★{report.level}, {category}): it takes no "
                "applications on it until the operator publishes one",
                code="no_published_criteria",
                params=(
                    ("scheme", scheme),
                    ("level", str(report.level)),
                    ("category", category or ""),
                ),
            )
        )
    lab_missing = lab_assignment.missing_evaluation(app)
    if lab_missing is not None:
        # the portal's codes: which half of the lab step is missing (``web/messages``)
        lab = (("level", str(app.level)), ("lab", app.lab.name if app.lab else ""))
        code = "lab_unassigned" if app.lab is None else "lab_not_uploaded"
        ours.append(Problem(lab_missing, code=code, params=lab))
    return Decision((*ours, *decision.problems)) if ours else decision


def stored_report(app: Application) -> AssessmentReport:
    """The application's assessment report as stored (it was parsed when it was given)."""
    return _report(json.loads(app.report_json))


def submit(
    session: Session,
    settings: Settings,
    caller: Principal,
    app_id: int,
    rules: LabelRules,
) -> Application:
    """Re-validate the report against this registry's catalog; refuse what does not hold,
    and what the labels already issued forbid (``rules``)."""
    app = load_own(session, caller, app_id)
    _require_state(app, EDITABLE, "submitted")
    report = _report(json.loads(app.report_json))
    _assign_maker(session, caller, app, report)  # an authorisation may have been withdrawn
    decision = decision_for(session, settings, app, report)
    if not decision.grantable:
        first, more = decision.problems[0], len(decision.problems) - 1
        params = {"problem": first, "more": more}
        raise Unprocessable(decision.refusal(), code="cannot_submit", params=params)
    rules.check_submission(app, report)  # refused now rather than at approval
    if numbered(app):
        _event(session, app, "submitted", caller)
    else:  # filed for the first time: the application number (申請番号)
        draft, app.application_no = (
            app.application_no,
            _next_number(session, settings.application_format),
        )
        _event(
            session,
            app,
            "submitted",
            caller,
            f"application number {app.application_no} (draft {draft})",
        )
    if app.acceptance_no is None:
        app.fee_jpy = _table_fee(settings, app, _received_on(app))
    session.flush()
    return app


def accept(
    session: Session, settings: Settings, caller: Principal, app_id: int, fee_jpy: int | None
) -> Application:
    """Accept (受理): give the acceptance number and invoice the fee. The amount comes from
    the fee table; where it has none (★2 and above are not published) the operator states it.
    An application accepted before (then returned and corrected) keeps its number and fee."""
    app = load(session, caller, app_id)
    _require_state(app, ("submitted",), "accepted")
    if app.acceptance_no is None:
        table = _table_fee(settings, app, _received_on(app))
        if table is None and fee_jpy is None:
            raise Unprocessable(
                f"fee_jpy: the fee table has no amount for ★{app.level} on the {app.route} "
                "route; state the fee to invoice",
                code="fee_not_in_table",
                params={"level": app.level, "route": app.route},
            )
        if table is not None and fee_jpy is not None and fee_jpy != table:
            raise Unprocessable(
                f"fee_jpy: the fee for ★{app.level} on the {app.route} route is ¥{table:,} "
                "(fee table); leave fee_jpy out or state that amount",
                code="fee_differs",
                params={"level": app.level, "route": app.route, "fee": f"{table:,}"},
            )
        app.fee_jpy = table if table is not None else fee_jpy
        app.acceptance_no = _next_acceptance_no(session, settings)
    fee = "fee paid" if app.fee_paid_at else f"fee {_yen(app.fee_jpy)} invoiced"
    _event(session, app, "accepted", caller, f"acceptance number {app.acceptance_no}; {fee}")
    return app


def record_fee_paid(
    session: Session, settings: Settings, caller: Principal, app_id: int, reference: str
) -> Application:
    """The operator records the invoiced fee paid (not refundable, jcstar-facts §3.2).
    ``under_review`` too: an application taken into review before fees were recorded here."""
    app = load(session, caller, app_id)
    _require_state(app, ("accepted", "under_review"), "marked paid")
    if app.fee_paid_at is not None:
        raise Conflict(
            f"the fee for acceptance number {app.acceptance_no} was recorded paid on "
            f"{app.fee_paid_at.date().isoformat()} (reference {app.fee_reference})",
            code="fee_already_paid",
            params={
                "acceptance": app.acceptance_no,
                "day": app.fee_paid_at.date().isoformat(),
                "reference": app.fee_reference,
            },
        )
    if app.acceptance_no is None:  # accepted before this registry gave numbers
        app.acceptance_no = _next_acceptance_no(session, settings)
    app.fee_paid_at, app.fee_reference = utcnow(), reference
    paid = f"acceptance number {app.acceptance_no}: fee {_yen(app.fee_jpy)} paid"
    # a step in the history, not a state: the application stays where it is
    _record(session, app, "fee_paid", caller, f"{paid} ({reference})")
    return app


def _yen(amount: int | None) -> str:
    return f"¥{amount:,}" if amount is not None else "(amount not recorded)"


def _require_fee_paid(app: Application, action: str) -> None:
    if app.fee_paid_at is None:
        raise Conflict(
            f"application {app.application_no} (acceptance number {app.acceptance_no}) cannot "
            f"be {action}: its fee of {_yen(app.fee_jpy)} is not recorded paid",
            code="fee_not_paid",
            params={
                "application": app.application_no,
                "acceptance": app.acceptance_no,
                "fee": _yen(app.fee_jpy),
                "action": action,
            },
        )


def start_review(session: Session, caller: Principal, app_id: int) -> Application:
    app = load(session, caller, app_id)
    _require_state(app, ("accepted",), "taken into review")
    _require_fee_paid(app, "taken into review")
    _event(session, app, "under_review", caller)
    return app


def decide(session: Session, caller: Principal, app_id: int, state: str, reason: str) -> None:
    """Return for correction or reject, with a reason the vendor reads."""
    app = load(session, caller, app_id)
    _require_state(app, IN_REVIEW, "returned" if state == "returned" else "rejected")
    _event(session, app, state, caller, reason)


def record_approval(
    session: Session, caller: Principal, app_id: int, reason: str | None
) -> Application:
    """The application's side of approval: only an accepted application whose fee is paid (the
    registry has no shortcut from ``submitted``: it would skip the acceptance number and the
    fee). ``issuance.approve`` issues the label in the same transaction."""
    app = load(session, caller, app_id)
    _require_state(app, APPROVABLE, "approved")
    _require_fee_paid(app, "approved")
    missing = lab_assignment.missing_evaluation(app)  # a lab reassigned since submission
    if missing is not None:
        raise Conflict(
            f"application {app.application_no} cannot be approved: {missing}",
            code="evaluation_missing",
            params={"application": app.application_no, "detail": missing},
        )
    _event(session, app, "approved", caller, reason)
    return app


def event_person(event: ApplicationEvent, viewer: Principal | None) -> str | None:
    """Who made a change, for the operator and the person's own organisation; others see the
    organisation only (a vendor is not shown the operator's staff)."""
    if viewer is None or not (viewer.kind == "operator" or viewer.org_id == event.by_org_id):
        return None
    if event.by_user is not None:
        return event.by_user.email
    if event.by_token is not None:
        name = f" ({event.by_token.name})" if event.by_token.name else ""
        return f"token {event.by_token.id}{name}"
    return None


def public(
    app: Application, viewer: Principal | None = None, registration_no: str | None = None
) -> ApplicationPublic:
    """The application as its viewer sees it; ``registration_no`` of the label it was granted
    (``issuance.public`` looks it up)."""
    return ApplicationPublic(
        id=app.id,
        application_no=app.application_no if numbered(app) else None,
        draft_no=None if numbered(app) else app.application_no,
        state=app.state,
        vendor=app.vendor.name,
        proxy=app.proxy.name if app.proxy else None,
        product=app.product,
        level=app.level,
        route=app.route,
        model_numbers=json.loads(app.model_numbers),
        support_period_end=app.support_period_end,
        vulnerability_contact=app.vulnerability_contact,
        fee_jpy=app.fee_jpy,
        acceptance_no=app.acceptance_no,
        fee_paid_at=app.fee_paid_at,
        fee_reference=app.fee_reference,
        renews=app.renews,
        lab=app.lab.name if app.lab else None,
        report_sha256=app.report_sha256,
        documents=[
            DocumentPublic(
                id=d.id,
                kind=d.kind,
                filename=d.filename,
                media_type=d.media_type,
                sha256=d.sha256,
                size=d.size,
                uploaded_by=d.uploaded_by.name,
                uploaded_at=d.uploaded_at,
            )
            for d in app.documents
        ],
        history=[
            EventPublic(
                state=e.state,
                at=e.at,
                by=e.by.name,
                by_person=event_person(e, viewer),
                reason=e.reason,
            )
            for e in app.events
        ],
        registration_no=registration_no,
    )
