"""A report carries what its readers show and what its judge compares (issue 15 follow-up):
which ``--also`` scheme added each requirement (renderers read no catalog for it), and the
operator's requirement files a ★3 category's report was made with (the catalog digest stays
the shipped data's, so a registry holding those files still judges a ★1 report made without
them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from jcstar.assessment.also import verdict_groups
from jcstar.assessment.decision import label_decision, parse_report
from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.service import assess_files
from jcstar.catalog import loader
from jcstar.catalog.loader import load_catalog
from jcstar.catalog.models import Catalog
from jcstar.catalog.operator_requirements import (
    ENV_VAR,
    operator_files,
    with_operator_requirements,
)
from jcstar.reports import render
from tests.conftest import CONFORMANT

ALSO = ("cls-1", "psti")
CAMERAS = "jcstar-3-network-cameras"
CAMERAS_FILE = f"{CAMERAS}.yaml"
#: an operator's requirements file for the shipped ★3 network-cameras profile (test data, not
#: IPA's text: its requirement text is not in our references)
OPERATOR_FILE: dict[str, Any] = {
    "requirements": [
        {
            "id": "CAM-01",
            "title_en": "Test requirement CAM-01 (test data, not IPA's text)",
            "kind": "product",
            "manual": True,
            "questions": [
                {"id": "Q-CAM-01", "text_ja": "説明してください。", "text_en": "Explain."}
            ],
        }
    ],
    "criteria_versions": [
        {
            "id": "OPS-3-CAM-TEST",
            "title": "operator test criteria",
            "published": "2026-06",
            "effective_on": "2026-06-12",
            "tag": "S",
            "basis": "judgement",
        }
    ],
}
EVALUATED = ("evaluation_report",)


@pytest.fixture(autouse=True)
def no_operator_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def also_report() -> AssessmentReport:
    return assess_files(
        CONFORMANT / "profile.yaml", CONFORMANT / "answers-also-cls1-psti.yaml", also=ALSO
    )


@pytest.fixture(scope="module")
def star1_report() -> AssessmentReport:
    return assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")


def _json(report: AssessmentReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "json"))
    return data


def _edited(report: AssessmentReport, **catalog: Any) -> AssessmentReport:
    data = _json(report)
    data["catalog"].update(catalog)
    return parse_report(data)


def _no_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any catalog a renderer loaded from here on fails the test."""

    def refuse(*_: Any, **__: Any) -> Catalog:
        raise AssertionError("a renderer read the installed catalog")

    monkeypatch.setattr(loader, "load_catalog", refuse)


# --- --also: recorded in the report, read from it -------------------------------------------


def test_the_report_records_the_scheme_that_added_each_requirement(
    also_report: AssessmentReport,
) -> None:
    info = _json(also_report)["catalog"]
    assert info["added_by"]["5.1-3"] == "cls-1"
    assert set(info["added_by"].values()) == {"cls-1"}  # psti adds nothing cls-1 does not
    assert not set(info["added_by"]) & {f"S1.1-{n:02d}" for n in range(1, 17)}
    assert info["native_schemes"]["5.1-3"] == "etsi-en-303-645"
    assert info["scheme_names"]["cls-1"].startswith("Singapore Cybersecurity Labelling")
    assert set(info["scheme_names"]) == {"jcstar-1", *ALSO}


def test_renderers_group_from_the_report_without_reading_a_catalog(
    also_report: AssessmentReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_catalog(monkeypatch)
    groups = verdict_groups(also_report)
    assert [g.added_by for g in groups] == [None, "cls-1"]
    assert groups[1].heading.startswith("cls-1 (Singapore")
    for fmt in ("md", "html", "xlsx", "oscal", "sarif"):
        assert render(also_report, fmt)


def test_the_grouping_follows_the_report_not_a_later_catalog(
    also_report: AssessmentReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what the report recorded is what a reader sees, whatever the installed catalog says now
    moved = {**also_report.catalog.added_by, "5.1-3": "psti"}
    edited = _edited(also_report, added_by=moved)
    _no_catalog(monkeypatch)
    text = render(edited, "md").decode("utf-8")
    psti_part = text.split("### psti (UK Product Security")[1].split("## 要件ごとの詳細")[0]
    assert "| 5.1-3 |" in psti_part


def test_an_edited_record_of_the_added_requirements_is_refused(
    also_report: AssessmentReport,
) -> None:
    assert label_decision(also_report, load_catalog()).grantable
    moved = {**also_report.catalog.added_by, "S1.1-01": "cls-1"}
    decision = label_decision(_edited(also_report, added_by=moved), load_catalog())
    assert not decision.grantable
    assert any("--also scheme added each requirement" in str(p) for p in decision.problems)


def test_a_report_made_before_the_record_is_still_grouped_and_judged(
    also_report: AssessmentReport,
) -> None:
    data = _json(also_report)
    for name in ("added_by", "native_schemes", "scheme_names"):
        del data["catalog"][name]
    older = parse_report(data)
    groups = verdict_groups(older)  # from the installed catalog: the report names nothing
    assert [(g.added_by, len(g.verdicts)) for g in groups] == [(None, 16), ("cls-1", 11)]
    assert label_decision(older, load_catalog()).grantable


def test_a_report_without_also_or_operator_files_has_the_json_it_had_before(
    star1_report: AssessmentReport,
) -> None:
    info = _json(star1_report)["catalog"]
    assert list(info) == ["version", "digest", "scheme", "scheme_version", "also", "draft"]


# --- the operator's requirement files -----------------------------------------------------


def operator_dir(root: Path, data: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / CAMERAS_FILE).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


def changed_operator_file() -> dict[str, Any]:
    data = json.loads(json.dumps(OPERATOR_FILE))
    data["requirements"][0]["statement_en"] = "A changed requirement text."
    return data


def star3_camera_report(workdir: Path, operator_dir: Path) -> AssessmentReport:
    """The conformant example as a network camera at ★3, assessed with the operator's files
    in ``operator_dir`` (and answering their CAM-01)."""
    shutil.copytree(CONFORMANT, workdir)
    profile = (workdir / "profile.yaml").read_text(encoding="utf-8")
    profile = profile.replace("\nlevel: 1\n", "\nlevel: 3\ncategory: network-cameras\n")
    (workdir / "profile.yaml").write_text(profile, encoding="utf-8")
    answers = yaml.safe_load((CONFORMANT / "answers.yaml").read_text(encoding="utf-8"))
    answers["answers"]["CAM-01"] = {
        "status": "implemented",
        "statement": "Implemented as the operator's requirement asks.",
        "evidence": [{"document": "NC-20 security design description", "section": "2"}],
    }
    (workdir / "answers.yaml").write_text(yaml.safe_dump(answers, allow_unicode=True), "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_VAR, str(operator_dir))
        report = assess_files(workdir / "profile.yaml", workdir / "answers.yaml")
    assert (report.overall, report.catalog.scheme) == ("CONFORMANT", CAMERAS)
    return report


def test_the_catalog_digest_stays_the_shipped_datas_with_operator_files(tmp_path: Path) -> None:
    shipped = load_catalog()
    merged = with_operator_requirements(shipped, operator_dir(tmp_path, OPERATOR_FILE))
    assert merged.digest == shipped.digest
    assert len(merged.schemes) == len(shipped.schemes)


def test_a_star3_report_names_the_operator_file_it_was_made_with(tmp_path: Path) -> None:
    report = star3_camera_report(tmp_path / "a", operator_dir(tmp_path / "ops", OPERATOR_FILE))
    (recorded,) = report.catalog.operator_files
    assert (recorded.scheme, recorded.name) == (CAMERAS, CAMERAS_FILE)
    other = star3_camera_report(
        tmp_path / "b", operator_dir(tmp_path / "ops2", changed_operator_file())
    )
    assert other.catalog.operator_files[0].sha256 != recorded.sha256
    # a comment or another layout changes no requirement, nor the digest
    relaid = tmp_path / "ops3"
    relaid.mkdir()
    text = "# the operator's copy\n" + json.dumps(OPERATOR_FILE, ensure_ascii=False, indent=4)
    (relaid / CAMERAS_FILE).write_text(text, encoding="utf-8")
    same = star3_camera_report(tmp_path / "c", relaid)
    assert same.catalog.operator_files == report.catalog.operator_files


def test_a_registry_with_operator_files_judges_a_star1_report_made_without_them(
    tmp_path: Path, star1_report: AssessmentReport
) -> None:
    registry = with_operator_requirements(load_catalog(), operator_dir(tmp_path, OPERATOR_FILE))
    assert star1_report.catalog.operator_files == ()
    assert label_decision(star1_report, registry).grantable


def test_a_star3_report_is_judged_only_against_the_same_operator_file(tmp_path: Path) -> None:
    ops = operator_dir(tmp_path / "ops", OPERATOR_FILE)
    report = star3_camera_report(tmp_path / "made", ops)
    same = with_operator_requirements(load_catalog(), ops)
    assert label_decision(report, same, document_kinds=EVALUATED).grantable

    changed = with_operator_requirements(
        load_catalog(), operator_dir(tmp_path / "changed", changed_operator_file())
    )
    refused = label_decision(report, changed, document_kinds=EVALUATED)
    assert len(refused.problems) == 1
    made = report.catalog.operator_files[0].sha256
    assert made != _digest_of(changed)
    assert str(refused.problems[0]) == (
        f"report was made with the operator's requirements file {CAMERAS_FILE} for {CAMERAS} "
        f"(sha256 {made}); this registry's is sha256 "
        f"{_digest_of(changed)}: "
        "re-run jcstar assess with the operator's current file"
    )

    without = label_decision(report, load_catalog(), document_kinds=EVALUATED)
    assert [str(p) for p in without.problems] == [
        f"report was made with the operator's requirements file {CAMERAS_FILE} for {CAMERAS} "
        f"(sha256 {made}), which this registry does not hold"
    ]


def _digest_of(catalog: Catalog) -> str:
    ((_, _, sha),) = operator_files(catalog, CAMERAS)
    return sha


def test_a_star3_report_stripped_of_its_operator_files_is_refused(tmp_path: Path) -> None:
    ops = operator_dir(tmp_path / "ops", OPERATOR_FILE)
    report = star3_camera_report(tmp_path / "made", ops)
    stripped = _edited(report, operator_files=[])
    decision = label_decision(stripped, with_operator_requirements(load_catalog(), ops))
    assert [str(p) for p in decision.problems] == [
        f"report was made without the operator's requirements file {CAMERAS_FILE} for "
        f"{CAMERAS}, which this registry holds; re-run jcstar assess with it"
    ]
