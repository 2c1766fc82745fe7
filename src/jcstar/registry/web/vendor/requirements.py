"""An application's requirements as the vendor's page shows them side by side: the report's
verdict and reasons, what the registry would refuse (``applications.service.decision_for``,
the same decision ``submit`` makes), and the operator's reason on the latest return."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jcstar.assessment.also import added_by
from jcstar.assessment.decision import Decision
from jcstar.assessment.models import AssessmentReport
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.registry.web.messages.decision import message, sentence
from jcstar.registry.web.messages.reasons import reason as said_reason
from jcstar.registry.web.render import Page


@dataclass(frozen=True)
class RequirementRow:
    id: str
    title: str
    verdict: str
    #: why the report's evaluation gave the verdict, in the page's language (``messages``)
    reasons: tuple[str, ...]
    #: what the registry would refuse about it (empty: nothing), in the page's language
    problems: tuple[str, ...]
    #: the operator's reason for it on the latest return, if any
    returned: str | None


@dataclass(frozen=True)
class Requirements:
    rows: tuple[RequirementRow, ...]
    #: what the registry would refuse that is about no one requirement
    general_problems: tuple[str, ...]
    grantable: bool


def requirements(
    report: AssessmentReport, decision: Decision, returned: Mapping[str, str], page: Page
) -> Requirements:
    lang = page.lang
    catalog = load_catalog()
    known = CatalogIndex(catalog).by_id(report.catalog.scheme) if report.catalog.scheme else {}
    ids = {v.requirement for v in report.verdicts}
    problems: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in decision.problems:
        if problem.requirement in ids:
            problems.setdefault(problem.requirement, []).append(message(page, problem))
        else:
            general.append(sentence(page, problem))
    # a requirement ``assess --also`` added is another scheme's: titled from the report, and
    # named with that scheme (it does not decide this label)
    added = added_by(report)
    rows = []
    for verdict in report.verdicts:
        req = known.get(verdict.requirement)
        title = (req.title_ja if lang == "ja" else req.title_en) if req else None
        title = title or (req.title_en or req.title_ja or "" if req else "")
        if not title:
            title = (verdict.title_ja if lang == "ja" else None) or verdict.title_en or ""
        if verdict.requirement in added:
            title = f"{title} (--also {added[verdict.requirement]})".lstrip()
        rows.append(
            RequirementRow(
                id=verdict.requirement,
                title=title,
                verdict=verdict.verdict,
                reasons=tuple(said_reason(page, text) for text in verdict.reasons),
                problems=tuple(problems.get(verdict.requirement, ())),
                returned=returned.get(verdict.requirement),
            )
        )
    return Requirements(tuple(rows), tuple(general), decision.grantable)


def requirement_ids(report: AssessmentReport) -> Sequence[str]:
    return [v.requirement for v in report.verdicts]


def latest_return(history: Sequence[tuple[str, str | None]]) -> str | None:
    """The reason of the latest return in a history of ``(state, reason)`` steps, while it is
    unanswered (not submitted again since)."""
    for state, reason in reversed(history):
        if state == "returned":
            return reason or ""
        if state == "submitted":
            return None
    return None
