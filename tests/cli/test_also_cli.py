"""``jcstar plan/assess --also`` and ``jcstar report project`` as a user runs them: the plan
shows what each other scheme adds, the questionnaire asks it, and the projection of the
answered report says how each row was answered, with an exit code that follows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from jcstar.assessment.projection import ProjectedVerdict
from jcstar.cli.report_cmd import answered_by
from tests.conftest import CONFORMANT, invoke

PROFILE = str(CONFORMANT / "profile.yaml")
ALSO_ANSWERS = CONFORMANT / "answers-also-cls1-psti.yaml"


def _assess(cli: CliRunner, tmp_path: Path, answers: Path, *also: str) -> Path:
    report = tmp_path / "report.json"
    args = ["assess", PROFILE, "--answers", str(answers), "-o", str(report)]
    for scheme in also:
        args += ["--also", scheme]
    _, _, err = invoke(cli, *args)
    assert report.exists(), err
    return report


def _project(cli: CliRunner, report: Path, scheme: str) -> tuple[int, dict[str, dict]]:
    code, out, err = invoke(
        cli, "report", "project", str(report), "--scheme", scheme, "--format", "json"
    )
    assert out, err
    return code, {v["requirement"]: v for v in json.loads(out)["verdicts"]}


def test_plan_table_titles_the_added_requirements_and_names_their_scheme(cli: CliRunner) -> None:
    code, out, _ = invoke(cli, "plan", PROFILE, "--also", "cls-1,psti")
    assert code == 0
    words = out.split()
    # the ETSI provisions have English titles only: shown rather than left blank
    for word in ("5.1-3", "Best-practice", "5.3-16", "Model", "designation"):
        assert word in words, word
    header = next(line for line in out.splitlines() if "requirement" in line)
    assert header.split()[-2:] == ["for", "┃"]  # a last column naming the scheme(s)
    assert "jcstar-1" in words and "psti" in words
    assert "--also" in words and "cover," in words  # the caption: what --also added
    code, plain, _ = invoke(cli, "plan", PROFILE)
    assert code == 0 and "5.1-3" not in plain.split() and "--also" not in plain.split()
    plain_header = next(line for line in plain.splitlines() if "requirement" in line)
    assert "for" not in plain_header.split()


def test_repeated_and_comma_separated_also_plan_the_same(cli: CliRunner) -> None:
    _, commas, _ = invoke(cli, "plan", PROFILE, "--also", "cls-1,psti", "--format", "json")
    _, repeated, _ = invoke(
        cli, "plan", PROFILE, "--also", "cls-1", "--also", "psti", "--format", "json"
    )
    assert json.loads(commas) == json.loads(repeated)
    assert json.loads(commas)["also"] == ["cls-1", "psti"]


def test_the_answers_template_asks_the_added_questions_and_fills_in_as_yaml(
    cli: CliRunner, tmp_path: Path
) -> None:
    template = tmp_path / "answers.yaml"
    code, _, _ = invoke(
        cli, "plan", PROFILE, "--also", "psti", "--format", "answers", "-o", str(template)
    )
    assert code == 0
    text = template.read_text("utf-8")
    assert "── psti (UK Product Security" in text
    assert "Q: 機器固有の初期パスワードをどのように生成していますか" in text  # 5.1-2, in Japanese
    assert "How are the unique pre-installed passwords generated?" in text  # and English
    answers = yaml.safe_load(text)["answers"]
    assert {"5.1-1", "5.1-2"} <= set(answers) and "5.2-1" not in answers


def test_an_unknown_also_scheme_exits_2_naming_the_known_ones(cli: CliRunner) -> None:
    for command in ("plan", "assess"):
        code, out, err = invoke(cli, command, PROFILE, "--also", "cls-1,uk-psti")
        assert code == 2, (command, out, err)
        assert len(err.strip().splitlines()) == 1, err
        assert "unknown scheme 'uk-psti'" in err and "psti" in err.split("known:")[1]
        assert out == ""


def test_the_answered_example_projects_with_nothing_to_review(
    cli: CliRunner, tmp_path: Path
) -> None:
    report = _assess(cli, tmp_path, ALSO_ANSWERS, "cls-1,psti")
    for scheme, count in (("cls-1", 13), ("psti", 4)):
        code, rows = _project(cli, report, scheme)
        assert code == 0
        assert len(rows) == count
        assert {row["verdict"] for row in rows.values()} == {"MET"}
    # the table says how each was answered, and exits as the verdicts do
    code, out, _ = invoke(cli, "report", "project", str(report), "--scheme", "psti")
    assert code == 0
    words = out.split()
    assert words.count("directly") == 2  # 5.1-1 and 5.1-2, assessed themselves
    assert words.count("S1.1-05") >= 1 and "NEEDS_REVIEW" not in words


def test_unanswered_added_requirements_exit_3_and_not_met_ones_exit_1(
    cli: CliRunner, tmp_path: Path
) -> None:
    report = _assess(cli, tmp_path, CONFORMANT / "answers.yaml", "cls-1,psti")
    code, rows = _project(cli, report, "cls-1")
    assert code == 3
    assert rows["5.1-3"]["verdict"] == "NEEDS_REVIEW"
    answers = yaml.safe_load(ALSO_ANSWERS.read_text("utf-8"))
    answers["answers"]["5.3-8"] = {"status": "not_implemented", "statement": "No target yet."}
    edited = tmp_path / "answers-5.3-8.yaml"
    edited.write_text(yaml.safe_dump(answers, allow_unicode=True), "utf-8")
    (tmp_path / "no").mkdir()
    report = _assess(cli, tmp_path / "no", edited, "cls-1,psti")
    code, rows = _project(cli, report, "cls-1")
    assert code == 1 and rows["5.3-8"]["verdict"] == "NOT_MET"
    code, _ = _project(cli, report, "psti")  # PSTI does not ask 5.3-8
    assert code == 0


def _row(verdict: str, sources: tuple[str, ...]) -> ProjectedVerdict:
    return ProjectedVerdict(
        requirement="5.1-1",
        title_ja=None,
        title_en="Passwords unique per device or set by the user",
        verdict=verdict,  # type: ignore[arg-type]
        reason="",
        from_requirements=sources,
        official=True,
    )


@pytest.mark.parametrize(
    ("verdict", "sources", "assessed", "expected"),
    [
        ("MET", ("5.1-1", "S1.1-02"), {"5.1-1": "MET"}, "assessed directly"),
        # a failure carried through a link outweighs the direct pass: the link decided
        ("NOT_MET", ("5.1-1", "S1.1-02"), {"5.1-1": "MET"}, "link from S1.1-02"),
        ("MET", ("S1.1-02",), {}, "link from S1.1-02"),
        ("NEEDS_REVIEW", ("5.1-1", "S1.1-02"), {"5.1-1": "NEEDS_REVIEW"}, "not answered"),
        ("NEEDS_REVIEW", (), {}, "not answered"),
    ],
    ids=["direct", "link-outweighs", "link", "direct-review", "nothing"],
)
def test_answered_by_names_what_decided_the_row(
    verdict: str, sources: tuple[str, ...], assessed: dict[str, str], expected: str
) -> None:
    assert answered_by(_row(verdict, sources), assessed) == expected
