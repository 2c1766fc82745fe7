"""The ★ checklist workbook a vendor submits, with every check attempt on a second sheet."""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from jcstar.assessment.also import added_by
from jcstar.assessment.models import AssessmentReport, RequirementVerdict
from jcstar.checks.base import CheckAttempt
from jcstar.reports.markdown import (
    DRAFT_BANNER,
    criteria_label,
    evidence_text,
    level_label,
    observations_text,
    profile_facts,
)

CHECKLIST_SHEET = "チェックリスト"
EVIDENCE_SHEET = "証跡"
#: (heading, column width) of the checklist table, in column order
CHECKLIST_COLUMNS: tuple[tuple[str, int], ...] = (
    ("項番", 6),
    ("要件ID", 11),
    ("適合基準", 36),
    ("Requirement", 36),
    ("判定", 17),
    ("判定理由", 48),
    ("根拠・証跡", 60),
    ("ベンダー記述", 48),
)
#: the checklist's last column when the report also answered other schemes (``--also``)
ALSO_COLUMN = ("対象制度 / Scheme", 14)
EVIDENCE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("チェック", 26),
    ("版", 9),
    ("状態", 11),
    ("理由", 40),
    ("対象", 44),
    ("観測", 70),
)
FILLS: dict[str, str] = {
    "MET": "C6EFCE",
    "NOT_MET": "FFC7CE",
    "NOT_APPLICABLE": "E7E6E6",
    "INCONCLUSIVE": "FFEB9C",
    "NEEDS_REVIEW": "DDEBF7",
    "CONFORMANT": "C6EFCE",
    "NOT_CONFORMANT": "FFC7CE",
    "INCOMPLETE": "FFEB9C",
    "completed": "C6EFCE",
    "error": "FFC7CE",
    "skipped": "FFEB9C",
}
EXCEL_CELL_LIMIT = 32767
BOLD = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="D9D9D9")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
LINE_HEIGHT_PT = 15


def _put(ws: Worksheet, row: int, column: int, value: object) -> None:
    """Write one cell; text is always stored as text."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_LIMIT]
    cell = ws.cell(row=row, column=column, value=value)
    # openpyxl turns any string starting with "=" into a formula; vendor text must not run
    if isinstance(value, str):
        cell.data_type = "s"


def _wrapped_lines(text: str, width: int) -> int:
    """Lines a wrapped cell needs; neither Excel nor LibreOffice sizes rows on open."""
    total = 0
    for line in text.splitlines() or [""]:
        # full-width (Japanese) characters take two columns
        columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        total += max(1, math.ceil(columns / max(width - 1, 1)))
    return total


def _fill(ws: Worksheet, row: int, column: int, key: str) -> None:
    if key in FILLS:
        ws.cell(row=row, column=column).fill = PatternFill("solid", fgColor=FILLS[key])


def _header_block(ws: Worksheet, report: AssessmentReport) -> int:
    """Product facts above the table; returns the next free row."""
    p = report.product
    rows: list[tuple[str, object]] = [
        ("製品名", p.product),
        ("ベンダー", p.vendor),
        ("型式番号", ", ".join(p.model_numbers)),
        ("ファームウェア版数", p.firmware_version),
        ("評価レベル", level_label(report.level)),
        ("評価日", report.generated_at.date()),
        ("総合判定", report.overall),
        ("カタログ版数", f"{report.catalog.version} ({report.catalog.digest})"),
        ("適合基準版", criteria_label(report)),
    ]
    # a category profile's rows (none at ★1); its criteria version is in the row above
    rows += profile_facts(report, with_criteria=False)
    if report.catalog.draft:
        rows.insert(0, ("注意 / Note", DRAFT_BANNER))
    for number, (label, value) in enumerate(rows, start=1):
        _put(ws, number, 1, label)
        ws.cell(row=number, column=1).font = BOLD
        _put(ws, number, 3, value)
        # the first table columns are narrow, so labels and values span several
        ws.merge_cells(start_row=number, start_column=1, end_row=number, end_column=2)
        ws.merge_cells(start_row=number, start_column=3, end_row=number, end_column=5)
        if isinstance(value, dt.date):
            ws.cell(row=number, column=3).number_format = "yyyy-mm-dd"
        if label == "総合判定":
            _fill(ws, number, 3, report.overall)
        if value == DRAFT_BANNER:
            _fill(ws, number, 3, "INCOMPLETE")  # the amber of a result that is not final
            ws.cell(row=number, column=3).font = BOLD
    return len(rows) + 2


def _table(
    ws: Worksheet,
    first_row: int,
    columns: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[object]],
) -> int:
    """A table with a frozen, filterable heading row; returns its last row."""
    for column, (heading, width) in enumerate(columns, start=1):
        _put(ws, first_row, column, heading)
        head = ws.cell(row=first_row, column=column)
        head.font, head.fill, head.border, head.alignment = BOLD, HEADING_FILL, BORDER, WRAP
        ws.column_dimensions[get_column_letter(column)].width = width
    row = first_row
    for row, values in enumerate(rows, start=first_row + 1):
        for column, value in enumerate(values, start=1):
            _put(ws, row, column, value)
            ws.cell(row=row, column=column).border = BORDER
            ws.cell(row=row, column=column).alignment = WRAP
        lines = max(
            _wrapped_lines(str(value), width)
            for value, (_, width) in zip(values, columns, strict=False)
        )
        ws.row_dimensions[row].height = LINE_HEIGHT_PT * lines
    ws.freeze_panes = ws.cell(row=first_row + 1, column=1)
    ws.auto_filter.ref = f"A{first_row}:{get_column_letter(len(columns))}{row}"
    return row


def _checklist_row(number: int, v: RequirementVerdict) -> tuple[object, ...]:
    return (
        number,
        v.requirement,
        v.title_ja or "",
        v.title_en or "",
        v.verdict,
        "\n".join(v.reasons),
        "\n".join(evidence_text(e) for e in v.evidence),
        v.vendor_statement or "",
    )


def _attempt_row(a: CheckAttempt) -> tuple[object, ...]:
    return (a.check, a.check_version, a.status, a.stated_reason, a.target, observations_text(a))


def _checklist(ws: Worksheet, report: AssessmentReport) -> None:
    ws.title = CHECKLIST_SHEET
    first = _header_block(ws, report)
    rows = [_checklist_row(n, v) for n, v in enumerate(report.verdicts, start=1)]
    columns = CHECKLIST_COLUMNS
    if report.catalog.also:
        # one more column, so the sheet still filters: the scheme each row answers (its
        # own, or the --also scheme that added it)
        added = added_by(report)
        columns = (*columns, ALSO_COLUMN)
        rows = [
            (*row, added.get(v.requirement, report.catalog.scheme))
            for row, v in zip(rows, report.verdicts, strict=True)
        ]
    _table(ws, first, columns, rows)
    _print_setup(ws, first)
    verdict_column = 5
    for offset, v in enumerate(report.verdicts, start=1):
        _fill(ws, first + offset, verdict_column, v.verdict)


def _evidence(ws: Worksheet, report: AssessmentReport) -> None:
    ws.title = EVIDENCE_SHEET
    _table(ws, 1, EVIDENCE_COLUMNS, [_attempt_row(a) for a in report.attempts])
    _print_setup(ws, 1)
    status_column = 3
    for offset, a in enumerate(report.attempts, start=1):
        _fill(ws, 1 + offset, status_column, a.status)


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    # openpyxl drops tzinfo and appends "Z", so convert to UTC first
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _fixed_zip_times(data: bytes, moment: dt.datetime) -> bytes:
    """Rewrite the archive with every entry stamped ``moment``: zip entries
    otherwise carry the wall-clock time and the bytes never repeat."""
    # zip times have two-second resolution and start in 1980
    moment = max(moment, dt.datetime(1980, 1, 1))
    stamp = (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second // 2 * 2,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _print_setup(ws: Worksheet, title_row: int) -> None:
    """Landscape, one page wide, the heading row repeated: the sheet gets printed."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{title_row}:{title_row}"


def render_xlsx(report: AssessmentReport) -> bytes:
    wb = Workbook()
    _checklist(wb.active, report)
    _evidence(wb.create_sheet(), report)
    when = _utc_naive(report.generated_at)
    wb.properties.creator = f"{report.tool.name} {report.tool.version}"
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.title = f"JC-STAR {level_label(report.level)} {report.product.product}"
    # ExcelWriter directly: openpyxl's save_workbook overwrites ``modified`` with now()
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip_times(buffer.getvalue(), when)
