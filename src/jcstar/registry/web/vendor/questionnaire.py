"""The questionnaire in the browser: the vendor describes the product (``profile.yaml``),
answers each requirement a machine cannot test here, and gets the assessment report, filed
as a draft application (or replacing a draft's or a returned application's report).

The registry runs no check against the vendor's targets: the profile's device, firmware and
document locations are dropped before the run (the registry must not reach into networks or
files on a vendor's word), so every requirement is judged from the answers, as ``jcstar
assess`` judges a documents-only product. A report with probe results comes from ``jcstar
assess`` on the vendor's side and is uploaded instead.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from jcstar.assessment.inputs import InputError, load_model
from jcstar.assessment.models import (
    AssessmentReport,
    InputDigest,
    ProductFacts,
    ProductProfile,
)
from jcstar.assessment.plan import PlanError, build_plan, plan_requirements
from jcstar.catalog.loader import load_catalog
from jcstar.registry.applications import service
from jcstar.registry.applications.schemas import ApplicationCreate, ApplicationUpdate
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Applicant, Db
from jcstar.registry.errors import RegistryError, Unprocessable
from jcstar.registry.issuance import service as issuance
from jcstar.registry.web.render import Page, PageRequest
from jcstar.registry.web.vendor.common import check_form, names, read_upload, refused

router = APIRouter(include_in_schema=False)

STATUSES = ("implemented", "not_implemented", "not_applicable")
#: the profile carried between the steps (JSON of a ``ProductProfile``)
MAX_PROFILE_CHARS = 200_000


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    applicability: str
    reason: str
    questions: tuple[str, ...]
    guidance: str
    #: evaluated on the device itself: the evidence is a test record (test and result)
    on_device: bool


def without_targets(profile: ProductProfile) -> ProductProfile:
    """The profile with nothing the registry would have to reach: no device, no firmware
    image, no document locations."""
    return profile.model_copy(update={"device": None, "firmware": None, "documents": {}})


def profile_of(report: AssessmentReport) -> ProductProfile:
    """The product as a report describes it (a correction starts from the filed report)."""
    info = report.product
    return ProductProfile(
        vendor=info.vendor,
        vendor_corporate_number=info.vendor_corporate_number,
        product=info.product,
        model_numbers=info.model_numbers,
        product_type=info.product_type,
        firmware_version=info.firmware_version,
        level=report.level,
        category=info.category,
        support_period_end=info.support_period_end,
        vulnerability_contact=info.vulnerability_contact,
        facts=info.facts if info.facts is not None else ProductFacts(),
        consumer=info.consumer,
    )


def questions(profile: ProductProfile, lang: str) -> list[Question]:
    catalog = load_catalog()
    plan = build_plan(catalog, profile)
    by_id = plan_requirements(catalog, plan)
    found = []
    for planned in plan.requirements:
        req = by_id[planned.requirement]
        ja = lang == "ja"
        found.append(
            Question(
                id=req.id,
                title=(req.title_ja if ja else req.title_en) or req.title_en or req.id,
                applicability=planned.applicability,
                reason=planned.reason,
                questions=tuple(q.text_ja if ja else q.text_en for q in req.questions),
                guidance=(req.evidence_guidance_ja if ja else req.evidence_guidance_en) or "",
                on_device=req.eval_mode == "device",
            )
        )
    return found


def _answers_form(
    page: Page,
    profile: ProductProfile,
    answers: dict[str, dict[str, str]],
    application: int | None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "profile": profile,
        "profile_json": without_targets(profile).model_dump_json(),
        "questions": questions(profile, page.lang),
        "answers": answers,
        "statuses": STATUSES,
        "application": application,
        "problem": problem,
        "max_profile": MAX_PROFILE_CHARS,
        **names(),
    }
    return page.render("vendor/questionnaire.html", context, status_code=status_code)


def _filled(report: AssessmentReport) -> dict[str, dict[str, str]]:
    """The answers a report carries, as the form's fields (the first evidence item)."""
    filled = {}
    for req, answer in (report.answers or {}).items():
        first = answer.evidence[0] if answer.evidence else None
        filled[req] = {
            "status": answer.status or "",
            "statement": answer.statement,
            "document": first.document if first else "",
            "section": (first.section or "") if first else "",
            "url": (first.url or "") if first else "",
            "test": (first.test or "") if first else "",
            "result": (first.result or "") if first else "",
        }
    return filled


@router.get("/vendor/questionnaire", response_class=HTMLResponse)
def start(page: PageRequest, db: Db, caller: Applicant, application: int | None = None) -> Response:
    if application is None:
        return page.render("vendor/questionnaire_start.html", {"problem": None})
    app = service.load_own(db, caller, application)
    report = service.stored_report(app)
    return _answers_form(page, profile_of(report), _filled(report), app.id)


@router.post("/vendor/questionnaire/profile", response_class=HTMLResponse)
async def profile_given(
    page: PageRequest,
    caller: Applicant,
    csrf: Annotated[str, Form(max_length=200)] = "",
    profile: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_form(page, csrf)
    try:
        content = await read_upload(page, profile, "profile.yaml")
        name = Path(profile.filename if profile and profile.filename else "profile.yaml").name
        try:
            given = load_model(Path(name), ProductProfile, content)
            return _answers_form(page, given, {}, None)
        except (InputError, PlanError) as exc:
            raise Unprocessable(str(exc)) from exc
    except RegistryError as exc:
        context = {"problem": exc.detail}
        return page.render("vendor/questionnaire_start.html", context, status_code=exc.status)


def _answers_of(
    form: Any, asked: list[Question]
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The answers file's content from the form, and the fields as typed (to show again)."""
    typed: dict[str, dict[str, str]] = {}
    answers: dict[str, Any] = {}
    for question in asked:
        if question.applicability == "not_applicable":
            continue
        fields = {
            name: str(form.get(f"{name}-{question.id}", ""))[:20_000].strip()
            for name in ("status", "statement", "document", "section", "url", "test", "result")
        }
        typed[question.id] = fields
        evidence: dict[str, Any] = {}
        if fields["document"]:
            evidence = {"document": fields["document"]}
            for name in ("section", "url"):
                if fields[name]:
                    evidence[name] = fields[name]
            if fields["test"] or fields["result"]:
                evidence.update(kind="test_report", test=fields["test"] or None)
                evidence["result"] = fields["result"] or None
        answers[question.id] = {
            "status": fields["status"] or None,
            "statement": fields["statement"],
            "evidence": [evidence] if evidence else [],
        }
    return {"answers": answers}, typed


async def _report(profile: ProductProfile, answers: dict[str, Any]) -> AssessmentReport:
    """The assessment of the product from its answers alone (no target reached)."""
    # imported here: the pipeline brings every target's collectors, which the registry's
    # other pages never need
    from jcstar.assessment.pipeline import assess

    raw = profile.model_dump_json().encode()
    given = InputDigest(role="profile", name="profile.json", sha256=hashlib.sha256(raw).hexdigest())
    with tempfile.TemporaryDirectory(prefix="jcstar-questionnaire-") as work:
        path = Path(work) / "answers.yaml"
        path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
        try:
            assessed = await assess(
                profile, Path(work), inputs=[given], answers_path=path, targets=()
            )
        except (InputError, PlanError) as exc:
            raise Unprocessable(str(exc)) from exc
    return assessed.report


@router.post("/vendor/questionnaire", response_class=HTMLResponse)
async def answered(
    request: Request,
    page: PageRequest,
    db: Db,
    caller: Applicant,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_form(page, csrf)
    # one field per requirement and answer part: read from the form as it came
    form = await request.form()
    text = str(form.get("profile", ""))
    application = str(form.get("application", "")).strip()
    app_id = int(application) if application.isdigit() else None
    try:
        if len(text) > MAX_PROFILE_CHARS:
            raise Unprocessable("profile: too long")
        profile = without_targets(ProductProfile.model_validate_json(text))
    except (ValidationError, Unprocessable) as exc:
        raise Unprocessable("the product description was lost or altered; start again") from exc
    asked = questions(profile, page.lang)
    answers, typed = _answers_of(form, asked)
    try:
        report = await _report(profile, answers)
        data = report.model_dump(mode="json")
        lock_for_write(db)
        if app_id is None:
            body = ApplicationCreate(report=data)
            app = service.create(
                db, page.settings, caller, body, issuance.label_rules(db, page.settings)
            )
        else:
            app = service.update(db, page.settings, caller, app_id, ApplicationUpdate(report=data))
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc)
        return _answers_form(page, profile, typed, app_id, problem, exc.status)
    done = "created" if app_id is None else "report"
    return RedirectResponse(f"/vendor/applications/{app.id}?done={done}", status_code=303)
