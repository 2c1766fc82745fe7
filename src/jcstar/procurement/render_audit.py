"""A fleet audit's reports: the rows every format shares, then JSON, XLSX and PDF.

The label columns read as the procurement check's (``render_text``); the audit adds the site,
the firmware comparison, the device's own probe and the findings.
"""

from __future__ import annotations

import io
from functools import cache

import jinja2

from jcstar import __version__
from jcstar.procurement.audit import AuditResult, DeviceResult
from jcstar.procurement.render_text import VERDICT_TEXT, label_cell, shown_labels

COLUMNS = (
    "line",
    "site",
    "address",
    "model",
    "firmware",
    "verdict",
    "label",
    "status",
    "reason",
    "firmware vs label",
    "probe",
    "findings",
)
SITE_COLUMNS = ("site", "devices", "labelled", "unlabelled", "policy met", "with findings")


def probe_cell(result: DeviceResult) -> str:
    """The device's own ★1 verdicts: what failed, what the probe could not settle."""
    probe = result.probe
    if probe is None:
        return "not probed"
    failed = [v.requirement for v in probe.with_verdict("NOT_MET")]
    head = probe.overall + (f": NOT_MET {', '.join(failed)}" if failed else "")
    return "\n".join((head, *result.open_questions))


def device_row(result: DeviceResult) -> tuple[str, ...]:
    device, label = result.device, result.label
    labels = shown_labels(label)
    return (
        device.source,
        device.site or "",
        device.address,
        device.model,
        device.firmware or "",
        VERDICT_TEXT[label.verdict],
        "\n".join(f"{label_cell(j)} ★{j.standing.level}" for j in labels),
        "\n".join(j.standing.status for j in labels),
        "; ".join((label.reason, *label.warnings, *label.notes)),
        result.firmware.text,
        probe_cell(result),
        "\n".join(result.findings),
    )


def table_rows(result: AuditResult) -> list[tuple[str, ...]]:
    return [device_row(d) for d in result.devices]


def site_rows(result: AuditResult) -> list[tuple[str, ...]]:
    return [
        (
            site,
            str(c.devices),
            str(c.labelled),
            str(c.unlabelled),
            str(c.policy_met),
            str(c.with_findings),
        )
        for site, c in result.summary.by_site.items()
    ]


def heading(result: AuditResult) -> str:
    probed = "with each device's own probe" if result.probed else "labels only (no --probe)"
    return (
        f"Fleet audit: policy {result.policy} ({result.policy_version}), on {result.on}, "
        f"{probed}; source: {result.source}"
    )


def summary_text(result: AuditResult) -> str:
    s = result.summary
    parts = [
        f"{s.devices} devices",
        f"{s.labelled} labelled",
        f"{s.unlabelled} unlabelled",
        f"{s.policy_met} meet the policy",
        f"{s.findings} findings on {s.with_findings} devices",
        f"{s.firmware_differs} on a firmware version the label does not name",
    ]
    if result.probed:
        parts.append(f"{s.probed} probed, {s.probe_incomplete} probes incomplete")
    return ", ".join(parts)


def finding_lines(result: AuditResult) -> list[str]:
    """Each finding on its own line, with where the device is."""
    return [
        f"FINDING {d.device.address} ({d.device.model}, {d.device.site or 'no site'}): {f}"
        for d in result.devices
        for f in d.findings
    ]


def render_json(result: AuditResult) -> bytes:
    return (result.model_dump_json(indent=2) + "\n").encode("utf-8")


def render_xlsx(result: AuditResult) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()
    devices = workbook.active
    assert devices is not None  # a new workbook has its first sheet
    devices.title = "Devices"
    for title, columns, rows in (
        ("Devices", COLUMNS, table_rows(result)),
        ("Sites", SITE_COLUMNS, _site_numbers(result)),
    ):
        sheet = devices if title == "Devices" else workbook.create_sheet(title)
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = bold
        # cells reached by row and column: max_row and sheet[row] read every cell
        for number, row in enumerate(rows, start=2):
            sheet.append(list(row))
            for column in range(1, len(row) + 1):
                sheet.cell(row=number, column=column).alignment = wrap
        sheet.freeze_panes = "A2"
    summary = workbook.create_sheet("Summary")
    for key, value in (
        ("audit", heading(result)),
        ("summary", summary_text(result)),
        *(("finding", line) for line in finding_lines(result)),
        ("policy", f"{result.policy}: {result.policy_name} ({result.policy_version})"),
        ("source", result.source),
        ("on", result.on.isoformat()),
        ("schema version", result.schema_version),
        ("scope", result.scope_note),
    ):
        summary.append([key, value])
    summary.column_dimensions["B"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _site_numbers(result: AuditResult) -> list[tuple[str | int, ...]]:
    """The site rows with numbers as numbers, so a spreadsheet can sum them."""
    return [
        (site, c.devices, c.labelled, c.unlabelled, c.policy_met, c.with_findings)
        for site, c in result.summary.by_site.items()
    ]


@cache
def _environment() -> jinja2.Environment:
    # autoescape: model numbers, sites and probe reasons come from the inventory and devices
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jcstar.procurement", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(result: AuditResult) -> str:
    return (
        _environment()
        .get_template("audit.html.j2")
        .render(
            result=result,
            heading=heading(result),
            summary=summary_text(result),
            findings=finding_lines(result),
            columns=COLUMNS,
            rows=table_rows(result),
            site_columns=SITE_COLUMNS,
            sites=site_rows(result),
            version=__version__,
        )
    )


def render_pdf(result: AuditResult) -> bytes:
    # WeasyPrint loads Pango and its fonts (~1 s): only when a PDF is asked for
    from weasyprint import HTML  # type: ignore[import-untyped]  # ships no type hints

    pdf = HTML(string=render_html(result)).write_pdf()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)
