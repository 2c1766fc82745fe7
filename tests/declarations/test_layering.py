"""Declarations sit beside the report renderers: they read the assessment, the catalog and a
label's public record, never the registry, the HTTP client or the CLI (DESIGN.md layers)."""

from __future__ import annotations

from tests.test_import_boundaries import crossings


def test_declarations_import_nothing_above_them() -> None:
    forbidden = ("jcstar.registry", "jcstar.cli", "jcstar.client", "jcstar.procurement")
    assert crossings("jcstar.declarations", forbidden) == []


def test_the_pdf_printer_reads_no_catalog_registry_or_cli() -> None:
    forbidden = ("jcstar.catalog", "jcstar.registry", "jcstar.cli", "jcstar.client")
    found = [line for line in crossings("jcstar.reports", forbidden) if "reports/pdf.py" in line]
    assert found == []
