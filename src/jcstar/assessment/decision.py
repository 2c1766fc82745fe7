"""The label decision: would the registry grant a label for this report? Pure: no database,
no I/O, so the registry (at submission) and ``jcstar apply --check`` (before applying) give
the same answer in the same words.

A vendor's ``overall`` is never trusted: the decision re-checks the report's shape, that it was
made against this catalog by a jcstar that can re-run it, that its own figures agree with its
verdicts, that every verdict follows from the report's own evidence (the pure evaluation is run
again on the report's check attempts, the vendor's answers and the product's facts), and that
every applicable requirement is ``MET`` or a justified ``NOT_APPLICABLE``.

What only the registry knows (the criteria versions it has published, whether the lapse rule
is on) comes in as arguments; a client leaves them out and gets the catalog's own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from jcstar import __version__
from jcstar.assessment.also import also_record
from jcstar.assessment.application_rules import psti_waived as catalog_psti_waived
from jcstar.assessment.criteria import CRITERIA_TEXTS, Version, submission_refusal
from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.models import (
    REPORT_SCHEMA_VERSION,
    AssessmentReport,
    ProductProfile,
    RequirementVerdict,
    Summary,
)
from jcstar.assessment.plan import PlanError, also_requirements, build_plan, plan_requirements
from jcstar.assessment.report import overall, report_id_for
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, CriteriaVersion
from jcstar.catalog.operator_requirements import operator_files

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RELEASE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


def _release(version: str) -> tuple[int, int, int] | None:
    """``1.2.3`` of a version string (``0.1.0``, ``0.2.0.dev1+g1234``); None if not one."""
    found = _RELEASE.match(version)
    if found is None:
        return None
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch or 0)


class ReportFormatError(ValueError):
    """The data is not an assessment report; the message names the first bad field."""


#: each reason a report cannot be evaluated again, by code, with its English sentence
NOT_REEVALUABLE_TEXTS = {
    "no_answers_or_facts": (
        "the report does not carry the vendor's answers and the product's facts (made by "
        "jcstar {version}); re-run jcstar assess with this version"
    ),
    "cannot_plan": "the report's product cannot be planned again: {detail}",
    "answers_other": "the report answers {answered}, not a requirement of {scheme}",
}

#: every ``Problem.code`` with its English sentence, whose ``str.format`` fields are the
#: problem's ``params``: the API and the CLI say the sentence, the portal says the code in the
#: reader's language (``registry/web/messages/decision.py``)
PROBLEM_TEXTS: dict[str, str] = {
    "schema_version": (
        "report schema version {version} is not the registry's {ours}; re-run jcstar assess"
    ),
    "other_catalog": (
        "report was made with catalog {version} ({digest}); this registry uses {ours} "
        "({our_digest}); re-run jcstar assess"
    ),
    "operator_file_unknown": (
        "report was made with the operator's requirements file {name} for {scheme} "
        "(sha256 {sha}), which this registry does not hold"
    ),
    "operator_file_differs": (
        "report was made with the operator's requirements file {name} for {scheme} "
        "(sha256 {sha}); this registry's is sha256 {ours}: "
        "re-run jcstar assess with the operator's current file"
    ),
    "operator_file_missing": (
        "report was made without the operator's requirements file {name} for {scheme}, "
        "which this registry holds; re-run jcstar assess with it"
    ),
    "other_tool": "report was made by {tool}; the registry re-evaluates jcstar reports",
    "tool_version_unreadable": "report names tool version {version}, not a version number",
    "tool_too_new": (
        "report was made by jcstar {version}, newer than this registry's {ours}: its "
        "evaluation cannot be re-run here"
    ),
    # the catalog's own sentence (``CatalogIndex.scheme_for``): a level or category it lacks
    "no_scheme": "{detail}",
    "wrong_scheme": (
        "report assesses scheme {scheme}, but level {level} is assessed against {expected}"
    ),
    "no_verdict": "the report has no verdict for it",
    "repeated_verdict": "the report has {count} verdicts for it",
    "not_in_scheme": "not a requirement of this level's scheme",
    "summary_mismatch": "the report's summary does not match its verdicts",
    "overall_mismatch": "the report's overall {overall} does not follow from its verdicts",
    "input_digest": "input {name} has no valid SHA-256 digest",
    "report_id_mismatch": (
        "the report's id does not follow from its inputs and time (edited afterwards?)"
    ),
    "also_record_edited": (
        "the report's record of which --also scheme added each requirement is not what the "
        "catalog gives (edited afterwards?)"
    ),
    "psti_statement_missing": (
        "the PSTI route needs a psti_statement document (statement of compliance)"
    ),
    "evaluation_report_missing": (
        "★{level} needs an evaluation_report document from the named lab"
    ),
    # ``NotReevaluable``: the report lacks what its verdicts were evaluated from
    **NOT_REEVALUABLE_TEXTS,
    "verdict_differs": "the report says {stated}, but its own evidence gives {expected} ({why})",
    "evidence_edited": (
        "its reasons or evidence are not what the report's own evidence gives (edited afterwards?)"
    ),
    "not_applicable_applies": "NOT_APPLICABLE, but it applies to every product",
    "not_applicable_unjustified": "NOT_APPLICABLE without a justification",
    "not_met": "verdict is {verdict}, not MET ({why})",
    # ``criteria.submission_refusal``: the codes and sentences of ``CRITERIA_TEXTS``
    **CRITERIA_TEXTS,
}
#: the English said for a verdict that gives no reason
NO_REASON = "no reason given"


@dataclass(frozen=True)
class Problem:
    """One reason a report cannot be submitted; ``requirement`` when it is about one.

    ``code`` and ``params`` say the same as ``message`` for a reader in another language
    (``PROBLEM_TEXTS``); ``reasons`` are the verdict's own reasons a sentence quotes (its
    ``why``), kept apart so a page can say each of them in its language. A problem made
    elsewhere without a code (``Problem(text)``) is said in English only."""

    message: str
    requirement: str | None = None
    code: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    reasons: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        code: str,
        requirement: str | None = None,
        *,
        reasons: Sequence[str] = (),
        **params: object,
    ) -> Problem:
        """The problem ``code`` with its English sentence filled from ``params`` (and a
        ``why`` joined from ``reasons`` where the sentence quotes them)."""
        values = {name: str(value) for name, value in params.items()}
        if "{why}" in PROBLEM_TEXTS[code]:
            values["why"] = "; ".join(reasons) or NO_REASON
        message = PROBLEM_TEXTS[code].format(**values)
        return cls(message, requirement, code, tuple(values.items()), tuple(reasons))

    def __str__(self) -> str:
        return f"{self.requirement}: {self.message}" if self.requirement else self.message


def parse_report(data: Any) -> AssessmentReport:
    if not isinstance(data, dict):
        raise ReportFormatError("the report must be a JSON object (the output of jcstar assess)")
    try:
        return AssessmentReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "report"
        raise ReportFormatError(f"report is malformed at {where}: {first['msg']}") from exc


@dataclass(frozen=True)
class Decision:
    """Whether the registry would grant a label for a report, and every reason it would not."""

    problems: tuple[Problem, ...]

    @property
    def grantable(self) -> bool:
        return not self.problems

    def refusal(self) -> str:
        """The one line a refused submission answers with (the first problem, and a count)."""
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"cannot submit: {first}{more}"


def label_decision(
    report: AssessmentReport,
    catalog: Catalog,
    *,
    route: str = "standard",
    document_kinds: Collection[str] = (),
    psti_waived: Collection[str] | None = None,
    criteria: Sequence[Version] | None = None,
    on: dt.date | None = None,
    refuse_superseded: bool = False,
) -> Decision:
    """Would the registry grant a label for ``report`` on ``route`` with documents of
    ``document_kinds`` attached?

    ``psti_waived``: what the PSTI route waives (the catalog's PSTI crosswalk when not given);
    ``criteria``: the criteria versions published for the report's level, oldest first (the
    catalog's own when not given); ``refuse_superseded`` (the lapse rule is on) refuses a report
    against a version superseded on ``on`` (today by default)."""
    return Decision(
        tuple(
            _problems(
                report,
                catalog,
                route=route,
                document_kinds=document_kinds,
                psti_waived=catalog_psti_waived(catalog) if psti_waived is None else psti_waived,
                criteria=(
                    catalog_criteria(catalog, report.level, report.catalog.scheme)
                    if criteria is None
                    else criteria
                ),
                on=on or dt.datetime.now(tz=dt.UTC).date(),
                refuse_superseded=refuse_superseded,
            )
        )
    )


def _problems(
    report: AssessmentReport,
    catalog: Catalog,
    *,
    route: str,
    document_kinds: Collection[str],
    psti_waived: Collection[str],
    criteria: Sequence[Version],
    on: dt.date,
    refuse_superseded: bool,
) -> list[Problem]:
    problems = _provenance(report, catalog)
    if problems:
        return problems  # a report from another catalog cannot be judged against this one
    wrong = submission_refusal(
        report.criteria_version, report.level, criteria, on, refuse_superseded=refuse_superseded
    )
    if wrong:  # its verdicts answer criteria this registry does not hold
        return [Problem.of(wrong[0], **wrong[1])]
    scheme = report.catalog.scheme  # the level's (or category's) scheme: checked above
    problems += _consistency(report, _planned_ids(report, catalog))
    problems += _also_record(report, catalog)
    problems += _documents(report, route, document_kinds)
    problems += _follows_from_evidence(report, catalog)
    waived = set(psti_waived) if route == "psti" and "psti_statement" in document_kinds else set()
    problems += _verdicts(report, catalog, scheme, waived)
    return problems


def catalog_criteria(
    catalog: Catalog, level: int, scheme: str | None = None
) -> tuple[CriteriaVersion, ...]:
    """The criteria versions the catalog names for ``level`` (a category profile's own when
    ``scheme`` is one), oldest first."""
    profile = CatalogIndex(catalog).schemes.get(scheme) if scheme else None
    if profile is not None and profile.is_profile:
        return profile.criteria_versions
    found = next((lv for lv in catalog.levels if lv.level == level), None)
    return found.criteria_versions if found else ()


def _planned_ids(report: AssessmentReport, catalog: Catalog) -> tuple[str, ...]:
    """The requirements the report must have a verdict for: its scheme's, and those its
    ``--also`` schemes added (an unknown ``also`` is named by the re-evaluation)."""
    own = CatalogIndex(catalog).requirement_ids(report.catalog.scheme)
    try:
        extra = also_requirements(catalog, report.catalog.scheme, report.catalog.also)
    except PlanError:
        extra = ()
    return own + tuple(req.id for req in extra)


class NotReevaluable(ValueError):
    """The report lacks what its verdicts were evaluated from, so they cannot be re-derived.

    ``code`` and ``params`` say it for the portal (``NOT_REEVALUABLE_TEXTS``)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(NOT_REEVALUABLE_TEXTS[code].format(**self.params))


def reevaluate(report: AssessmentReport, catalog: Catalog) -> tuple[RequirementVerdict, ...]:
    """The verdicts the report's own evidence gives: the plan built again from its product's
    facts, and the pure evaluation run again on its check attempts and the vendor's answers.

    Raises ``NotReevaluable`` for a report that does not carry its answers and facts.
    """
    if report.answers is None or report.product.facts is None:
        raise NotReevaluable("no_answers_or_facts", version=report.tool.version)
    info = report.product
    try:
        profile = ProductProfile(
            vendor=info.vendor,
            product=info.product,
            model_numbers=info.model_numbers,
            product_type=info.product_type,
            firmware_version=info.firmware_version,
            level=report.level,
            category=info.category,
            facts=info.facts,
        )
        plan = build_plan(catalog, profile, report.catalog.also)
    except (ValidationError, PlanError) as exc:
        raise NotReevaluable("cannot_plan", detail=exc) from exc
    requirements = plan_requirements(catalog, plan)
    unknown = sorted(set(report.answers) - set(requirements))
    if unknown:
        raise NotReevaluable("answers_other", answered=unknown[0], scheme=plan.scheme)
    return evaluate(plan, requirements, report.attempts, report.answers)


def _follows_from_evidence(report: AssessmentReport, catalog: Catalog) -> list[Problem]:
    try:
        expected = reevaluate(report, catalog)
    except NotReevaluable as exc:
        return [Problem.of(exc.code, **exc.params)]
    stated = {v.requirement: v for v in report.verdicts}
    problems = []
    for want in expected:
        got = stated.get(want.requirement)
        if got is None:
            continue  # named by the consistency check
        if got.verdict != want.verdict:
            problems.append(
                Problem.of(
                    "verdict_differs",
                    want.requirement,
                    stated=got.verdict,
                    expected=want.verdict,
                    reasons=want.reasons,
                )
            )
        elif got != want:
            problems.append(Problem.of("evidence_edited", want.requirement))
    return problems


def _tool(report: AssessmentReport) -> list[Problem]:
    """Only a jcstar no newer than the registry's: its verdicts can be re-run here."""
    tool = report.tool
    if tool.name != "jcstar":
        return [Problem.of("other_tool", tool=tool.name)]
    made, ours = _release(tool.version), _release(__version__)
    if made is None:
        return [Problem.of("tool_version_unreadable", version=repr(tool.version))]
    if ours is not None and made > ours:
        return [Problem.of("tool_too_new", version=tool.version, ours=__version__)]
    return []


def _provenance(report: AssessmentReport, catalog: Catalog) -> list[Problem]:
    if report.schema_version != REPORT_SCHEMA_VERSION:
        return [
            Problem.of("schema_version", version=report.schema_version, ours=REPORT_SCHEMA_VERSION)
        ]
    if (report.catalog.version, report.catalog.digest) != (catalog.version, catalog.digest):
        return [
            Problem.of(
                "other_catalog",
                version=report.catalog.version,
                digest=report.catalog.digest,
                ours=catalog.version,
                our_digest=catalog.digest,
            )
        ]
    operator = _operator_files(report, catalog)
    if operator:
        return operator
    tool = _tool(report)
    if tool:
        return tool
    try:
        scheme = CatalogIndex(catalog).scheme_for(report.level, report.product.category)
    except LookupError as exc:
        return [
            Problem.of(
                "no_scheme", detail=exc, level=report.level, category=report.product.category
            )
        ]
    if report.catalog.scheme != scheme.id:
        return [
            Problem.of(
                "wrong_scheme",
                scheme=report.catalog.scheme,
                level=report.level,
                expected=scheme.id,
            )
        ]
    return []


def _operator_files(report: AssessmentReport, catalog: Catalog) -> list[Problem]:
    """The operator's requirement files a ★3 category's report was made with must be the
    registry's (the catalog digest covers only the shipped data); a report against a scheme
    no operator file fills records none and is not compared."""
    made = {(f.scheme, f.name): f.sha256 for f in report.catalog.operator_files}
    held = {(s, name): sha for s, name, sha in operator_files(catalog, report.catalog.scheme)}
    for (scheme, name), sha in made.items():
        if (scheme, name) not in held:
            return [Problem.of("operator_file_unknown", name=name, scheme=scheme, sha=sha)]
        if held[(scheme, name)] != sha:
            ours = held[(scheme, name)]
            return [
                Problem.of("operator_file_differs", name=name, scheme=scheme, sha=sha, ours=ours)
            ]
    missing = sorted(held.keys() - made.keys())
    if missing:
        scheme, name = missing[0]
        return [Problem.of("operator_file_missing", name=name, scheme=scheme)]
    return []


def _also_record(report: AssessmentReport, catalog: Catalog) -> list[Problem]:
    """The report's record of which ``--also`` scheme added each requirement decides nothing,
    but readers group verdicts by it: it must be what the catalog gives (a report made before
    it was recorded has none, and its renderers read the catalog)."""
    info = report.catalog
    if not (info.scheme_names or info.added_by or info.native_schemes):
        return []
    ids = (v.requirement for v in report.verdicts)
    want = also_record(catalog, info.scheme, info.also, ids)
    got = (info.added_by, info.native_schemes, info.scheme_names)
    if got != (want.added_by, want.native_schemes, want.scheme_names):
        return [Problem.of("also_record_edited")]
    return []


def _consistency(report: AssessmentReport, required: Iterable[str]) -> list[Problem]:
    problems: list[Problem] = []
    ids = [v.requirement for v in report.verdicts]
    counts = Counter(ids)
    for req in required:
        if counts[req] == 0:
            problems.append(Problem.of("no_verdict", req))
    for req, n in counts.items():
        if n > 1:
            problems.append(Problem.of("repeated_verdict", req, count=n))
    for req in sorted(set(ids) - set(required)):
        problems.append(Problem.of("not_in_scheme", req))
    tally = Summary.model_validate(dict(Counter(v.verdict for v in report.verdicts)))
    if tally != report.summary:
        problems.append(Problem.of("summary_mismatch"))
    if overall(report.verdicts) != report.overall:
        problems.append(Problem.of("overall_mismatch", overall=report.overall))
    for item in report.inputs:
        if not _SHA256.match(item.sha256):
            problems.append(Problem.of("input_digest", name=repr(item.name)))
    if report.report_id != report_id_for(report.catalog.digest, report.generated_at, report.inputs):
        problems.append(Problem.of("report_id_mismatch"))
    return problems


def _documents(report: AssessmentReport, route: str, kinds: Collection[str]) -> list[Problem]:
    problems = []
    if route == "psti" and "psti_statement" not in kinds:
        problems.append(Problem.of("psti_statement_missing"))
    if report.level >= 3 and "evaluation_report" not in kinds:
        problems.append(Problem.of("evaluation_report_missing", level=report.level))
    return problems


def _verdicts(
    report: AssessmentReport, catalog: Catalog, scheme: str, waived: set[str]
) -> list[Problem]:
    index = CatalogIndex(catalog)
    # only the label's own requirements decide it: ``--also`` requirements are other schemes'
    requirements = index.by_id(scheme)
    excluded = index.not_applicable_in(scheme)
    problems = []
    for verdict in report.verdicts:
        req = requirements.get(verdict.requirement)
        if req is None or verdict.requirement in waived or verdict.verdict == "MET":
            continue
        if verdict.verdict == "NOT_APPLICABLE":
            if not (req.conditional or req.id in excluded):
                problems.append(Problem.of("not_applicable_applies", req.id))
            elif not any(reason.strip() for reason in verdict.reasons):
                problems.append(Problem.of("not_applicable_unjustified", req.id))
            continue
        problems.append(
            Problem.of("not_met", req.id, verdict=verdict.verdict, reasons=verdict.reasons)
        )
    return problems
