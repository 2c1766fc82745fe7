"""The words every report format shares: verdicts, a line's label cell, the summary line, the
basis of each rule applied."""

from __future__ import annotations

from jcstar.procurement.evaluate import CheckResult, LabelJudgement, LineResult, Verdict
from jcstar.procurement.models import Policy, basis_text

VERDICT_TEXT: dict[Verdict, str] = {
    "met": "MET",
    "not_met": "NOT MET",
    "ambiguous": "AMBIGUOUS",
    "unknown": "UNKNOWN",
}
COLUMNS = (
    "line",
    "model",
    "vendor",
    "qty",
    "verdict",
    "label",
    "level",
    "status",
    "expires",
    "support end",
    "notices",
    "reason",
)


def label_cell(judgement: LabelJudgement) -> str:
    standing = judgement.standing
    via = f" (from {judgement.followed_from})" if judgement.followed_from else ""
    return f"{standing.registration_no}{via}"


def shown_labels(result: LineResult) -> tuple[LabelJudgement, ...]:
    """The chosen label, or every label found when none was chosen."""
    chosen = [j for j in result.labels if j.standing.registration_no == result.chosen]
    return tuple(chosen) or result.labels


def line_row(result: LineResult, number: int) -> tuple[str, ...]:
    labels = shown_labels(result)
    line = result.line

    def joined(values: list[str]) -> str:
        return "\n".join(values)

    reason = "; ".join((result.reason, *result.warnings, *result.notes))
    return (
        line.source or str(number),
        line.model,
        line.vendor or "",
        str(line.quantity),
        VERDICT_TEXT[result.verdict],
        joined([label_cell(j) for j in labels]),
        joined([f"★{j.standing.level}" for j in labels]),
        joined([j.standing.status for j in labels]),
        joined([str(j.standing.expires_on or "") for j in labels]),
        joined([str(j.standing.support_period_end or "") for j in labels]),
        joined([str(len(j.standing.notices)) for j in labels]),
        reason,
    )


def table_rows(result: CheckResult) -> list[tuple[str, ...]]:
    return [line_row(line, n) for n, line in enumerate(result.lines, start=1)]


def summary_text(result: CheckResult) -> str:
    summary = result.summary
    parts = [
        f"{VERDICT_TEXT[v]} {c.lines} ({c.quantity} units)"
        for v, c in summary.by_verdict.items()
        if c.lines
    ]
    return f"{summary.lines} lines, {summary.quantity} units: " + ", ".join(parts)


def heading(result: CheckResult) -> str:
    asked = [f"policy {result.policy} ({result.policy_version})", f"on {result.on}"]
    if result.importance:
        asked.append(f"importance {result.importance}")
    if result.product_type:
        asked.append(f"product type {result.product_type}")
    return f"Procurement check: {', '.join(asked)}; source: {result.source}"


def rule_bases(result: CheckResult, policy: Policy) -> list[str]:
    """One line per rule of ``policy`` that applied to some line of the check, in the
    policy's order: its status and its basis in full (official, secondary source or our
    judgement), so a reader knows what each verdict rests on."""
    applied = {rule_id for line in result.lines for rule_id in line.rules}
    return [
        f"{rule.id}"
        + (" (under consideration)" if rule.status == "under_consideration" else "")
        + f": {basis_text(rule.basis)}"
        for rule in policy.rules
        if rule.id in applied
    ]
