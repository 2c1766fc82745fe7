"""SARIF 2.1.0: the report as code-scanning tools read it.

One run of jcstar; each requirement of the report is a rule (its id, its title), and each
requirement that is not met, could not be judged or awaits review is one result of that rule:
NOT_MET ``error``, INCONCLUSIVE ``warning``, NEEDS_REVIEW ``note``; MET and NOT_APPLICABLE
give none. A result's message is the verdict's reasons and evidence. SARIF allows a level
other than ``none`` only on a result of kind ``fail`` (its default, so it is left out): the
jcstar verdict is in the result's properties. Check attempts that could not judge are the
run's tool execution notifications ("timed out: …"); the input files are its artifacts, with
their SHA-256. Nothing here reads a clock: the same report gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from jcstar.assessment.also import added_by
from jcstar.assessment.models import AssessmentReport, RequirementVerdict, Verdict
from jcstar.reports.markdown import evidence_text, level_label

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: what a URI keeps as it is (an input named by URL stays that URL; a space or a Japanese
#: file name is percent-encoded, as SARIF's uri-reference needs)
URI_SAFE = ":/?#[]@!$&'()*+,;=%~"
#: the SARIF level of each verdict that gives a result; the others give none
LEVELS: dict[Verdict, str] = {"NOT_MET": "error", "INCONCLUSIVE": "warning", "NEEDS_REVIEW": "note"}


def _utc(report: AssessmentReport) -> str:
    # SARIF times are UTC with a Z; a naive generated_at is taken as UTC (as in OSCAL)
    moment = report.generated_at
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rule(v: RequirementVerdict, added_by: str | None = None) -> dict[str, Any]:
    title = v.title_en or v.title_ja or v.requirement
    rule: dict[str, Any] = {"id": v.requirement, "shortDescription": {"text": title}}
    if v.title_en and v.title_ja:
        rule["fullDescription"] = {"text": f"{v.title_ja} / {v.title_en}"}
    if added_by:  # a requirement ``assess --also`` added: another scheme's, not the label's
        rule["properties"] = {"addedBy": added_by, "tags": [added_by]}
    return rule


def _message(v: RequirementVerdict) -> str:
    lines = [f"{v.requirement} {v.verdict}: " + (" ".join(v.reasons) or "no reason recorded")]
    lines += [f"Evidence: {evidence_text(item)}" for item in v.evidence]
    if v.vendor_statement:
        lines.append(f"Vendor statement: {v.vendor_statement}")
    return "\n".join(lines)


def _result(v: RequirementVerdict, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": v.requirement,
        "ruleIndex": rule_index,
        "level": LEVELS[v.verdict],
        "message": {"text": _message(v)},
        "properties": {"verdict": v.verdict},
    }


def _notifications(report: AssessmentReport) -> list[dict[str, Any]]:
    """Each check attempt that ended in an error: what could not be judged, and why."""
    found = []
    for a in report.attempts:
        if a.status != "error":
            continue
        note: dict[str, Any] = {
            "level": "warning",
            "message": {"text": f"{a.check} {a.check_version}: {a.stated_reason}"},
            "descriptor": {"id": a.check},
        }
        if a.kind:
            note["properties"] = {"cannotJudgeKind": a.kind}
        found.append(note)
    return found


def sarif_log(report: AssessmentReport) -> dict[str, Any]:
    added = added_by(report)
    rules = [_rule(v, added.get(v.requirement)) for v in report.verdicts]
    results = [_result(v, i) for i, v in enumerate(report.verdicts) if v.verdict in LEVELS]
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "endTimeUtc": _utc(report),
    }
    notifications = _notifications(report)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"jcstar/{report.catalog.scheme}/{report.report_id}"},
        "invocations": [invocation],
        "artifacts": [
            {
                "location": {"uri": quote(item.name, safe=URI_SAFE)},
                "description": {"text": item.role},
                "hashes": {"sha-256": item.sha256},
            }
            for item in report.inputs
        ],
        "results": results,
        "properties": {
            "product": report.product.product,
            "vendor": report.product.vendor,
            "modelNumbers": list(report.product.model_numbers),
            "level": level_label(report.level),
            "criteriaVersion": report.criteria_version,
            "catalogVersion": report.catalog.version,
            "overall": report.overall,
            **({"also": list(report.catalog.also)} if report.catalog.also else {}),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: AssessmentReport) -> str:
    return json.dumps(sarif_log(report), ensure_ascii=False, indent=2) + "\n"
