"""PDF output (reports and declarations): Japanese text prints as Japanese, not as boxes; a
page is not blank; the same input gives the same bytes.

Tofu (a font without the glyphs) draws every missing character as the same box, so two
different Japanese strings of one length would print as identical images: the test prints two
and checks that the images differ, and that each has ink."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from jcstar.assessment.models import AssessmentReport
from jcstar.catalog.loader import load_catalog
from jcstar.declarations.psti import psti_statement
from jcstar.declarations.render import render_declaration
from jcstar.reports import render
from jcstar.reports.pdf import html_to_pdf
from tests.conftest import FIXTURES, require_tool


@pytest.fixture(scope="module")
def report() -> AssessmentReport:
    return AssessmentReport.model_validate_json(
        (FIXTURES / "report-sample.json").read_text(encoding="utf-8")
    )


def pdf_text(pdf: Path) -> str:
    pdftotext = require_tool("pdftotext")
    return subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def first_page(pdf: Path, dpi: int = 60) -> Image.Image:
    """Page 1 as a greyscale image (pdftoppm, poppler-utils)."""
    pdftoppm = require_tool("pdftoppm")
    stem = pdf.with_suffix("")
    subprocess.run(
        [pdftoppm, "-gray", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
         str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    return Image.open(stem.with_suffix(".png")).convert("L")


def ink(image: Image.Image) -> int:
    """Pixels darker than mid-grey."""
    return sum(image.histogram()[:128])


def one_line(text: str) -> str:
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"></head>'
        f'<body><p style="font-size:40pt">{text}</p></body></html>'
    )


def test_japanese_text_prints_as_glyphs_not_boxes(tmp_path: Path) -> None:
    images = []
    for name, text in (("a", "適合宣言書"), ("b", "脆弱性連絡"), ("c", "適合宣言書")):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(html_to_pdf(one_line(text)))
        assert text in pdf_text(path)
        page = first_page(path)
        images.append(page.crop((0, 0, page.width, page.height // 4)))  # where the line is
    a, b, c = images
    assert ink(a) > 500 and ink(b) > 500  # something printed where the text is
    assert a.tobytes() == c.tobytes()  # the same text prints the same
    assert a.tobytes() != b.tobytes()  # different characters: different glyphs, not boxes


def test_the_report_prints_to_pdf_with_its_japanese_headings(
    report: AssessmentReport, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(report, "pdf"))
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "評価レポート" in text
    assert report.product.product in text
    page = first_page(pdf)
    assert ink(page) > 0.005 * page.width * page.height  # not a blank page


def test_pdffonts_shows_the_cjk_font_embedded(report: AssessmentReport, tmp_path: Path) -> None:
    pdffonts = require_tool("pdffonts")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(report, "pdf"))
    fonts = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True, check=True)
    assert "Noto-Sans-CJK-JP" in fonts.stdout


def test_the_same_report_gives_identical_pdf_bytes(report: AssessmentReport) -> None:
    assert render(report, "pdf") == render(report, "pdf")


def test_a_declaration_prints_to_pdf_identically_twice(
    report: AssessmentReport, tmp_path: Path
) -> None:
    statement = psti_statement(load_catalog(), report)
    first = render_declaration(statement, "pdf")
    assert first == render_declaration(statement, "pdf")
    pdf = tmp_path / "psti.pdf"
    pdf.write_bytes(first)
    text = pdf_text(pdf)
    assert "UK PSTI statement of compliance" in text
    assert "製造者" in text  # the Japanese field names
    page = first_page(pdf)
    assert ink(page) > 0.005 * page.width * page.height
