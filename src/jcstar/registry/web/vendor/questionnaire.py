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

from jcstar.assessment.also import also_holders
from jcstar.assessment.inputs import InputError, load_model
from jcstar.assessment.models import (
    AssessmentReport,
    InputDigest,
    ProductFacts,
    ProductProfile,
)
from jcstar.assessment.plan import PlanError, build_plan, plan_requirements
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.registry.applications import service
from jcstar.registry.applications.schemas import ApplicationCreate, ApplicationUpdate
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Applicant, Db
from jcstar.registry.errors import RegistryError, Unprocessable
from jcstar.registry.issuance import service as issuance
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages.reasons import reason as said_reason
from jcstar.registry.web.render import Page, PageRequest
from jcstar.registry.web.vendor.common import check_form, names, read_upload, refused
from jcstar.registry.web.vendor.markets_view import OTHER_SCHEMES, scheme_name

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
    #: the other scheme (``--also``) that added it; None: the level's own
    added_by: str | None = None


@dataclass(frozen=True)
class QuestionGroup:
    #: the ``--also`` scheme that added these questions (None: the level's own), and its name
    scheme: str | None
    name: str
    questions: tuple[Question, ...]


#: a ★3/★4 category whose requirements the operator supplies, when this registry has none
OPERATOR_FILE_MISSING = N_(
    "The %(profile)s profile takes its requirements from a file the operator supplies "
    "(%(file)s), which this registry's catalog does not hold yet: it cannot be assessed here."
)


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


def scheme_choices(lang: str) -> list[tuple[str, str, bool]]:
    """The levels and ★2+ category profiles the product form offers: value (``1``,
    ``2:smart-home``), name, and whether it is a draft."""
    catalog = load_catalog()
    choices = [("1", scheme_name(catalog, "jcstar-1", lang), False)]
    profiles = sorted((s for s in catalog.schemes if s.is_profile), key=lambda s: (s.level, s.id))
    for scheme in profiles:
        name = (scheme.name_ja if lang == "ja" else None) or scheme.name_en
        choices.append((f"{scheme.level}:{scheme.category}", name, scheme.draft))
    return choices


def with_scheme(profile: ProductProfile, choice: str) -> ProductProfile:
    """The profile at the level (and category) picked on the form; empty: as it says."""
    if not choice:
        return profile
    level, _, category = choice.partition(":")
    if not level.isdigit():
        raise Unprocessable(f"level: {choice!r} is not a level")
    data = profile.model_dump() | {"level": int(level), "category": category or None}
    try:
        return ProductProfile.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable(f"level: {exc.errors()[0]['msg']}") from exc


def checked_also(given: list[str]) -> tuple[str, ...]:
    """The other schemes ticked, each once; one not offered is refused naming it."""
    for scheme in given:
        if scheme not in OTHER_SCHEMES:
            known = ", ".join(OTHER_SCHEMES)
            raise Unprocessable(f"also: unknown scheme {scheme!r} (one of {known})")
    return tuple(dict.fromkeys(given))


def operator_file_missing(page: Page, profile: ProductProfile) -> str | None:
    """The translated sentence for a ★3/★4 category whose operator's file is not here
    (``build_plan`` refuses it with the same reason, in English)."""
    try:
        scheme = CatalogIndex(load_catalog()).scheme_for(profile.level, profile.category)
    except LookupError:
        return None  # build_plan names what exists
    if scheme.operator_requirements and not scheme.requirements:
        values = {"profile": scheme.id, "file": scheme.operator_requirements}
        return page.gettext(OPERATOR_FILE_MISSING) % values
    return None


def question_groups(questions: list[Question], lang: str) -> list[QuestionGroup]:
    """The questions under the scheme that asks them: the level's own, then each ``--also``
    scheme's additions."""
    catalog = load_catalog()
    groups: dict[str | None, list[Question]] = {}
    for question in questions:
        groups.setdefault(question.added_by, []).append(question)
    return [
        QuestionGroup(scheme, scheme_name(catalog, scheme, lang) if scheme else "", tuple(asked))
        for scheme, asked in groups.items()
    ]


def questions(profile: ProductProfile, lang: str, also: tuple[str, ...] = ()) -> list[Question]:
    catalog = load_catalog()
    plan = build_plan(catalog, profile, also)
    by_id = plan_requirements(catalog, plan)
    ids = [planned.requirement for planned in plan.requirements]
    holders = also_holders(catalog, plan.scheme, also, ids)
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
                added_by=(holders.get(req.id) or (None,))[0],
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
    also: tuple[str, ...] = (),
) -> HTMLResponse:
    asked = questions(profile, page.lang, also)
    context = {
        "profile": profile,
        "profile_json": without_targets(profile).model_dump_json(),
        "questions": asked,
        "groups": question_groups(asked, page.lang),
        "also": also,
        "answers": answers,
        "statuses": STATUSES,
        "application": application,
        "problem": problem,
        "max_profile": MAX_PROFILE_CHARS,
        # a not-applicable requirement's reason (the plan's sentence) in the page's language
        "said_reason": lambda text: said_reason(page, text),
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
        return _start_form(page)
    app = service.load_own(db, caller, application)
    report = service.stored_report(app)
    also = tuple(report.catalog.also)
    return _answers_form(page, profile_of(report), _filled(report), app.id, also=also)


def _start_form(
    page: Page,
    problem: str | None = None,
    status_code: int = 200,
    scheme: str = "",
    also: tuple[str, ...] = (),
    translated: bool = False,
) -> HTMLResponse:
    context = {
        "problem": problem,
        "problem_translated": translated,
        "scheme_choices": scheme_choices(page.lang),
        "scheme": scheme,
        "other_schemes": [(s, scheme_name(load_catalog(), s, page.lang)) for s in OTHER_SCHEMES],
        "also": also,
    }
    return page.render("vendor/questionnaire_start.html", context, status_code=status_code)


@router.post("/vendor/questionnaire/profile", response_class=HTMLResponse)
async def profile_given(
    page: PageRequest,
    caller: Applicant,
    csrf: Annotated[str, Form(max_length=200)] = "",
    profile: Annotated[UploadFile | None, File()] = None,
    scheme: Annotated[str, Form(max_length=60)] = "",
    also: Annotated[list[str] | None, Form(max_length=40)] = None,
) -> Response:
    check_form(page, csrf)
    ticked = tuple(also or ())
    try:
        others = checked_also(list(ticked))
        content = await read_upload(page, profile, "profile.yaml")
        name = Path(profile.filename if profile and profile.filename else "profile.yaml").name
        try:
            given = with_scheme(load_model(Path(name), ProductProfile, content), scheme)
            missing = operator_file_missing(page, given)
            if missing:
                return _start_form(page, missing, 422, scheme, others, translated=True)
            return _answers_form(page, given, {}, None, also=others)
        except (InputError, PlanError) as exc:
            raise Unprocessable(str(exc)) from exc
    except RegistryError as exc:
        return _start_form(page, exc.detail, exc.status, scheme, ticked)


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


async def _report(
    profile: ProductProfile, answers: dict[str, Any], also: tuple[str, ...] = ()
) -> AssessmentReport:
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
                profile, Path(work), inputs=[given], answers_path=path, targets=(), also=also
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
    also = checked_also([str(value) for value in form.getlist("also")])
    asked = questions(profile, page.lang, also)
    answers, typed = _answers_of(form, asked)
    try:
        report = await _report(profile, answers, also)
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
        problem = refused(db, exc, page)
        return _answers_form(page, profile, typed, app_id, problem, exc.status, also)
    done = "created" if app_id is None else "report"
    return RedirectResponse(f"/vendor/applications/{app.id}?done={done}", status_code=303)
