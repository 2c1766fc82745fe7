"""A report assessed against a category profile says so in every format a person reads: its
category, the profile, its criteria version, and, for a draft of our own judgement, that IPA
has not published it. The ``jcstar assess`` summary says it too, and with ``--also`` its
closing line says apart whether the level's own requirements are conformant. (A ★1 report
renders as before: the golden files of test_reports.)"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.service import assess_files
from jcstar.reports import render
from tests.conftest import CONFORMANT, EXAMPLES, NONCONFORMANT, invoke

STAR2 = EXAMPLES / "star2-smart-home"
BANNER_EN = "Draft criteria (our own judgement), not published by IPA"
CRITERIA = "JCSTAR-DRAFT-2-SH-2026.12"


@pytest.fixture(scope="module")
def star2() -> AssessmentReport:
    report = assess_files(STAR2 / "profile.yaml", STAR2 / "answers.yaml")
    assert (report.catalog.scheme, report.catalog.draft) == ("jcstar-2-smart-home", True)
    assert report.criteria_version == CRITERIA
    return report


@pytest.fixture(scope="module")
def star1() -> AssessmentReport:
    return assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")


def test_markdown_opens_with_the_draft_banner_and_names_the_profile(
    star2: AssessmentReport,
) -> None:
    text = render(star2, "md").decode("utf-8")
    head, _, rest = text.partition("## 総合判定 / Overall result")
    assert (
        head.splitlines()[2]
        == f"> **ドラフト基準（当方の判断）: IPA が公表した適合基準ではありません / {BANNER_EN}**"
    )
    assert "- 製品カテゴリ（適合基準） / Criteria category: smart-home" in head
    assert "- カテゴリプロファイル / Category profile: jcstar-2-smart-home" in head
    assert f"- 適合基準版 / Criteria version: {CRITERIA}" in head
    assert BANNER_EN not in rest  # said once, where it is read first


def test_html_shows_the_banner_under_the_title_and_the_profile_in_the_header(
    star2: AssessmentReport,
) -> None:
    page = render(star2, "html").decode("utf-8")
    title = page.index("<h1>")
    banner = page.index('<p class="draft" role="note"')
    assert title < banner < page.index("<dl>")
    assert BANNER_EN in page[banner : page.index("<dl>")]
    header = page[page.index("<dl>") : page.index("</header>")]
    assert "<dt>カテゴリプロファイル / Category profile</dt><dd>jcstar-2-smart-home</dd>" in header
    assert f"<dt>適合基準版 / Criteria version</dt><dd>{CRITERIA}</dd>" in header


def _header_rows(report: AssessmentReport) -> dict[str, Any]:
    ws = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))["チェックリスト"]
    rows = {}
    for label, _, value, *_ in ws.iter_rows(values_only=True):
        if label == "項番":
            break
        if label:
            rows[label] = value
    return rows


def test_the_workbook_header_names_the_profile_and_the_draft(star2: AssessmentReport) -> None:
    rows = _header_rows(star2)
    assert BANNER_EN in rows["注意 / Note"]
    assert rows["カテゴリプロファイル / Category profile"] == "jcstar-2-smart-home"
    assert rows["製品カテゴリ（適合基準） / Criteria category"] == "smart-home"
    assert rows["適合基準版"] == CRITERIA
    assert rows["評価レベル"] == "★2"


def test_a_star1_report_shows_no_profile_and_no_banner(star1: AssessmentReport) -> None:
    for fmt in ("md", "html"):
        text = render(star1, fmt).decode("utf-8")
        assert BANNER_EN not in text and "Category profile" not in text
    assert not any("Category profile" in label for label in _header_rows(star1))


def test_assess_says_the_profile_and_draft_before_the_overall(cli: Any, tmp_path: Any) -> None:
    code, _, err = invoke(
        cli,
        "assess",
        str(STAR2 / "profile.yaml"),
        "--answers",
        str(STAR2 / "answers.yaml"),
        "-o",
        str(tmp_path / "report.json"),
    )
    assert code == 0, err
    lines = err.splitlines()
    against = next(n for n, line in enumerate(lines) if line.startswith("assessed against:"))
    assert lines[against] == (
        f"assessed against: ★2 smart-home (jcstar-2-smart-home), criteria {CRITERIA}: "
        f"ドラフト基準（当方の判断）: IPA が公表した適合基準ではありません / {BANNER_EN}"
    )
    assert lines[against + 1].startswith("overall: CONFORMANT")


def test_assess_with_also_says_apart_that_the_levels_own_requirements_are_conformant(
    cli: Any, tmp_path: Any
) -> None:
    args = ("assess", str(CONFORMANT / "profile.yaml"), "--answers")
    out = ("--also", "cls-1,psti", "-o", str(tmp_path / "report.json"))
    # ★1's answers only: the other markets' questions are left open
    code, _, err = invoke(cli, *args, str(CONFORMANT / "answers.yaml"), *out)
    assert code == 3  # the whole report's: INCOMPLETE
    assert err.splitlines()[-1] == "★1: CONFORMANT; with cls-1, psti: INCOMPLETE (11 NEEDS_REVIEW)"
    code, _, err = invoke(cli, *args, str(CONFORMANT / "answers-also-cls1-psti.yaml"), *out)
    assert code == 0
    assert err.splitlines()[-1] == "★1: CONFORMANT; with cls-1, psti: CONFORMANT"
    # without --also there is no such line
    code, _, err = invoke(cli, *args[:2], "--answers", str(CONFORMANT / "answers.yaml"), *out[2:])
    assert code == 0 and "★1:" not in err


def test_assess_names_an_own_requirement_that_fails_apart_from_the_added_ones(
    cli: Any, tmp_path: Any
) -> None:
    code, _, err = invoke(
        cli,
        "assess",
        str(NONCONFORMANT / "profile.yaml"),
        "--answers",
        str(NONCONFORMANT / "answers.yaml"),
        "--also",
        "cls-1",
        "-o",
        str(tmp_path / "report.json"),
    )
    assert code == 1
    last = err.splitlines()[-1]
    assert last.startswith("★1: NOT_CONFORMANT (") and "; with cls-1: NOT_CONFORMANT (" in last
