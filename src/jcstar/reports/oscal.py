"""OSCAL assessment-results, built with compliance-trestle's models.

One result; one finding per requirement, targeting the requirement as an objective.
Only MET is ``satisfied``; NOT_APPLICABLE, INCONCLUSIVE and NEEDS_REVIEW are
``not-satisfied`` with reason ``other`` and the jcstar verdict in a prop and remark,
because OSCAL has no state for "not tested" and a gap must never read as a pass.
UUIDs are uuid5 over the report id, so the same report gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from trestle.oscal import OSCAL_VERSION
from trestle.oscal import common as oc
from trestle.oscal.assessment_results import AssessmentResults, ImportAp, Result

from jcstar.assessment.also import added_by, native_schemes
from jcstar.assessment.models import AssessmentReport, EvidenceItem, RequirementVerdict
from jcstar.checks.base import CheckAttempt
from jcstar.oscal_props import JCSTAR_NS
from jcstar.oscal_props import line as _line
from jcstar.oscal_props import props as _props
from jcstar.reports.markdown import evidence_text, level_label, observations_text

#: namespace of the jcstar-specific props, so they never clash with OSCAL's own names
STATES: dict[str, tuple[str, str]] = {
    "MET": ("satisfied", "pass"),
    "NOT_MET": ("not-satisfied", "fail"),
}
#: every other verdict: a gap, never a pass
OTHER_STATE = ("not-satisfied", "other")
WHY_NOT_SATISFIED: dict[str, str] = {
    "NOT_APPLICABLE": "the requirement does not apply to this product",
    "INCONCLUSIVE": "the requirement could not be tested",
    "NEEDS_REVIEW": "the requirement awaits an assessor's review",
}


def _uuid(report: AssessmentReport, *parts: str) -> str:
    name = "/".join(("jcstar", report.report_id, *parts))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _when(report: AssessmentReport) -> dt.datetime:
    # OSCAL timestamps must carry a zone; a naive generated_at is taken as UTC
    moment = report.generated_at
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _param_props(report: AssessmentReport, check: str) -> list[oc.Property]:
    """The parameters the check ran with, one ``jcstar-check-param`` prop each
    (``min_rsa_bits=3072``; a list as JSON), in the report's order."""
    params = (report.check_params or {}).get(check, {})
    return [
        oc.Property(
            name="jcstar-check-param",
            value=_line(f"{name}={json.dumps(value, ensure_ascii=False)}"),
            ns=JCSTAR_NS,
        )
        for name, value in params.items()
    ]


def _attempt_observation(report: AssessmentReport, index: int, a: CheckAttempt) -> oc.Observation:
    lines = [f"Status: {a.status}"]
    if a.reason:
        lines.append(f"Reason: {a.stated_reason}")
    if a.observations:
        lines.append(observations_text(a))
    evidence = [oc.RelevantEvidence(href=a.target, description=a.target)] if a.target else None
    return oc.Observation(
        uuid=_uuid(report, "attempt", str(index), a.check),
        title=_line(f"{a.check} {a.check_version}: {a.status}"),
        description="\n".join(lines),
        props=(
            _props(
                check=a.check,
                check_version=a.check_version,
                attempt_status=a.status,
                cannot_judge_kind=a.kind,
            )
            or []
        )
        + _param_props(report, a.check)
        or None,
        methods=["TEST"],
        relevant_evidence=evidence,
        collected=_when(report),
    )


def _evidence_observation(
    report: AssessmentReport, v: RequirementVerdict, index: int, item: EvidenceItem
) -> oc.Observation:
    href = item.url or None
    return oc.Observation(
        uuid=_uuid(report, "evidence", v.requirement, str(index)),
        title=_line(f"{v.requirement}: {item.summary or item.document or 'vendor evidence'}"),
        description=evidence_text(item),
        props=_props(evidence_source=item.source, document=item.document, section=item.section),
        methods=["EXAMINE"],
        relevant_evidence=[oc.RelevantEvidence(href=href, description=item.summary or href)]
        if href
        else None,
        collected=_when(report),
    )


def _statement_observation(report: AssessmentReport, v: RequirementVerdict) -> oc.Observation:
    return oc.Observation(
        uuid=_uuid(report, "statement", v.requirement),
        title=_line(f"{v.requirement}: vendor statement"),
        description=v.vendor_statement or "",
        props=_props(evidence_source="vendor-statement"),
        # the vendor's own declaration, as answered in the questionnaire
        methods=["INTERVIEW"],
        collected=_when(report),
    )


class _Observations:
    """Collects observations once and answers which ones back each finding."""

    def __init__(self, report: AssessmentReport) -> None:
        self.report = report
        self.items: list[oc.Observation] = []
        self.by_check: dict[str, list[str]] = {}
        for index, attempt in enumerate(report.attempts):
            observation = _attempt_observation(report, index, attempt)
            self.items.append(observation)
            self.by_check.setdefault(attempt.check, []).append(observation.uuid)

    def for_requirement(self, v: RequirementVerdict) -> list[str]:
        linked: dict[str, None] = {}
        for index, item in enumerate(v.evidence):
            if item.source == "check" and item.check in self.by_check:
                linked.update(dict.fromkeys(self.by_check[item.check]))
            else:
                # vendor evidence, or check evidence without a recorded attempt
                observation = _evidence_observation(self.report, v, index, item)
                self.items.append(observation)
                linked[observation.uuid] = None
        if v.vendor_statement:
            observation = _statement_observation(self.report, v)
            self.items.append(observation)
            linked[observation.uuid] = None
        return list(linked)


def _status(v: RequirementVerdict) -> oc.ObjectiveStatus:
    state, reason = STATES.get(v.verdict, OTHER_STATE)
    remark = f"jcstar verdict: {v.verdict}"
    if v.verdict in WHY_NOT_SATISFIED:
        remark += f" ({WHY_NOT_SATISFIED[v.verdict]}; not a pass)"
    return oc.ObjectiveStatus(state=state, reason=reason, remarks=remark)


def _control(requirement: str, native: str | None) -> str:
    """The OSCAL id of a requirement: its own (``S1.1-01``), or ``<native scheme>_<id>`` for
    one ``--also`` added (``etsi-en-303-645_5.1-1``: OSCAL ids cannot start with a digit)."""
    return f"{native}_{requirement}" if native else requirement


def _finding(
    report: AssessmentReport,
    v: RequirementVerdict,
    observed: list[str],
    added: str | None = None,
    native: str | None = None,
) -> oc.Finding:
    title = _line(" ".join(t for t in (v.requirement, v.title_en or v.title_ja) if t))
    lines = [*v.reasons, *(f"Evidence: {evidence_text(e)}" for e in v.evidence)]
    implementation = (
        oc.ImplementationStatus(state="not-applicable") if v.verdict == "NOT_APPLICABLE" else None
    )
    target = oc.FindingTarget(
        type="objective-id",
        target_id=_control(v.requirement, native),
        title=_line(v.title_ja) if v.title_ja else None,
        status=_status(v),
        implementation_status=implementation,
    )
    return oc.Finding(
        uuid=_uuid(report, "finding", v.requirement),
        title=title,
        description="\n".join(lines) or f"jcstar verdict: {v.verdict}",
        # added_by: the --also scheme whose requirement this is (not the label's scheme)
        props=_props(verdict=v.verdict, added_by=added),
        target=target,
        related_observations=[oc.RelatedObservation(observation_uuid=u) for u in observed] or None,
    )


def _reviewed_controls(report: AssessmentReport) -> oc.ReviewedControls:
    native = native_schemes(report)
    selected = [
        oc.SelectControlById(control_id=_control(v.requirement, native.get(v.requirement)))
        for v in report.verdicts
    ]
    if not selected:
        return oc.ReviewedControls(control_selections=[oc.ControlSelectionsAll(include_all={})])
    return oc.ReviewedControls(control_selections=[oc.ControlSelections(include_controls=selected)])


def _result(report: AssessmentReport) -> Result:
    observations = _Observations(report)
    added, native = added_by(report), native_schemes(report)
    findings = [
        _finding(
            report,
            v,
            observations.for_requirement(v),
            added.get(v.requirement),
            native.get(v.requirement),
        )
        for v in report.verdicts
    ]
    p = report.product
    return Result(
        uuid=_uuid(report, "result"),
        title=_line(f"JC-STAR {level_label(report.level)}: {p.product} {p.firmware_version}"),
        description=(
            f"{report.tool.name} {report.tool.version} assessed {p.vendor} {p.product} "
            f"(firmware {p.firmware_version}) against {report.catalog.scheme}. "
            f"Overall: {report.overall}."
        ),
        start=_when(report),
        end=_when(report),
        props=_props(
            overall=report.overall, level=str(report.level), also=", ".join(report.catalog.also)
        ),
        reviewed_controls=_reviewed_controls(report),
        observations=observations.items or None,
        findings=findings or None,
    )


def _back_matter(report: AssessmentReport) -> oc.BackMatter:
    c = report.catalog
    catalog = oc.Resource(
        uuid=_uuid(report, "catalog"),
        title=_line(f"jcstar catalog {c.version}: {c.scheme}"),
        props=_props(
            catalog_version=c.version,
            catalog_digest=c.digest,
            scheme=c.scheme,
            scheme_version=c.scheme_version,
            criteria_version=report.criteria_version,
        ),
    )
    inputs = [
        oc.Resource(
            uuid=_uuid(report, "input", str(index), i.name),
            title=_line(i.name),
            props=_props(input_role=i.role),
            rlinks=[oc.Rlink(href=i.name, hashes=[oc.Hash(algorithm="SHA-256", value=i.sha256)])],
        )
        for index, i in enumerate(report.inputs)
    ]
    return oc.BackMatter(resources=[catalog, *inputs, *_check_resources(report)])


def _check_resources(report: AssessmentReport) -> list[oc.Resource]:
    """Each check that ran, with its version and a link per data file it read, hashed (a
    report from before checks were recorded has none)."""
    return [
        oc.Resource(
            uuid=_uuid(report, "check", check.id),
            title=_line(f"jcstar check {check.id} {check.version}"),
            props=_props(check=check.id, check_version=check.version),
            rlinks=[
                oc.Rlink(
                    href=f"jcstar/checks/data/{data.name}",
                    hashes=[oc.Hash(algorithm="SHA-256", value=data.sha256)],
                )
                for data in check.data_files
            ]
            or None,
        )
        for check in report.checks or ()
    ]


def build_assessment_results(report: AssessmentReport) -> AssessmentResults:
    p = report.product
    metadata = oc.Metadata(
        title=_line(f"JC-STAR {level_label(report.level)} assessment results: {p.product}"),
        published=_when(report),
        last_modified=_when(report),
        version=report.schema_version,
        oscal_version=OSCAL_VERSION,
        props=_props(
            report_id=report.report_id,
            report_schema_version=report.schema_version,
            criteria_version=report.criteria_version,
            tool=f"{report.tool.name} {report.tool.version}",
            vendor=p.vendor,
            product=p.product,
            model_numbers=", ".join(p.model_numbers),
            firmware_version=p.firmware_version,
        ),
    )
    # jcstar plans from its catalog and writes no OSCAL assessment plan; the
    # required import-ap points at the catalog resource in back-matter instead
    import_ap = ImportAp(
        href=f"#{_uuid(report, 'catalog')}",
        remarks="Planned by jcstar from the catalog named in back-matter.",
    )
    return AssessmentResults(
        uuid=_uuid(report, "assessment-results"),
        metadata=metadata,
        import_ap=import_ap,
        results=[_result(report)],
        back_matter=_back_matter(report),
    )


def oscal_dict(report: AssessmentReport) -> dict[str, Any]:
    """``{"assessment-results": {...}}``, as trestle serialises it."""
    data: dict[str, Any] = build_assessment_results(report).oscal_dict()
    return data


def render_oscal(report: AssessmentReport) -> str:
    return json.dumps(oscal_dict(report), ensure_ascii=False, indent=2) + "\n"
