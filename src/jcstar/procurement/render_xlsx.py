"""``--format xlsx``: one row per line, a summary sheet, and the policy and source used."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from jcstar.procurement.evaluate import CheckResult
from jcstar.procurement.models import Policy, basis_text
from jcstar.procurement.render_text import COLUMNS, VERDICT_TEXT, heading, table_rows

_FILLS = {
    "MET": PatternFill("solid", fgColor="C6EFCE"),
    "NOT MET": PatternFill("solid", fgColor="FFC7CE"),
    "AMBIGUOUS": PatternFill("solid", fgColor="FFEB9C"),
    "UNKNOWN": PatternFill("solid", fgColor="D9D9D9"),
}
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def render_xlsx(result: CheckResult, policy: Policy) -> bytes:
    workbook = Workbook()
    lines = workbook.active
    assert lines is not None  # a new workbook has its first sheet
    lines.title = "Lines"
    lines.append(list(COLUMNS))
    for cell in lines[1]:
        cell.font = _BOLD
    verdict_column = COLUMNS.index("verdict")
    # cells reached by row and column: openpyxl's max_row and sheet[row] look at every cell
    # of the sheet, so asking per row made a 10,000-line workbook take minutes
    for number, row in enumerate(table_rows(result), start=2):
        lines.append(list(row))
        verdict = lines.cell(row=number, column=verdict_column + 1)
        verdict.fill = _FILLS[str(verdict.value)]
        for column in range(1, len(row) + 1):
            lines.cell(row=number, column=column).alignment = _WRAP
    lines.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKL", (14, 16, 14, 6, 11, 18, 6, 11, 11, 11, 8, 70), strict=True
    ):
        lines.column_dimensions[letter].width = width

    summary = workbook.create_sheet("Summary")
    summary.append([heading(result)])
    summary.append([])
    summary.append(["verdict", "lines", "units"])
    for cell in summary[3]:
        cell.font = _BOLD
    for verdict, count in result.summary.by_verdict.items():
        summary.append([VERDICT_TEXT[verdict], count.lines, count.quantity])
    summary.append(["total", result.summary.lines, result.summary.quantity])
    summary.append([])
    for key, value in (
        ("policy", f"{policy.id}: {policy.name_en} ({policy.version})"),
        ("issuer", policy.issuer),
        ("source", result.source),
        ("on", result.on.isoformat()),
        ("importance", result.importance or ""),
        ("product type", result.product_type or ""),
        ("schema version", result.schema_version),
        ("scope", result.scope_note),
    ):
        summary.append([key, value])
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 60

    rules = workbook.create_sheet("Policy")
    rules.append(["rule", "title", "min level", "status", "applies", "basis", "sources / why"])
    for cell in rules[1]:
        cell.font = _BOLD
    for rule in policy.rules:
        when = rule.applies
        applies = "; ".join(
            part
            for part in (
                f"importance {', '.join(when.importance)}" if when.importance else "",
                f"types {', '.join(when.product_types)}" if when.product_types else "",
                f"from {when.effective_from}" if when.effective_from else "",
                f"to {when.effective_to}" if when.effective_to else "",
            )
            if part
        )
        basis = rule.basis
        # the full text after the kind: for a secondary basis, the programme and what to confirm
        why = basis_text(basis).removeprefix("official: ").removeprefix("our judgement: ")
        rules.append(
            [
                rule.id,
                rule.title_en,
                rule.requires.min_level,
                rule.status,
                applies or "always",
                basis.kind,
                why,
            ]
        )
        for cell in rules[rules.max_row]:
            cell.alignment = _WRAP
    for letter, width in zip("ABCDEFG", (28, 40, 9, 20, 24, 10, 80), strict=True):
        rules.column_dimensions[letter].width = width

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
