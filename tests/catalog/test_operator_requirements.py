"""Requirements the operator supplies for a ★3 category whose text is not in our references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.catalog.operator_requirements import (
    ENV_VAR,
    OperatorRequirementsError,
    operator_files,
    with_operator_requirements,
)

CAMERAS = "jcstar-3-network-cameras"


def operator_requirement(req_id: str = "CAM-01", **fields: Any) -> dict[str, Any]:
    """One requirement in the catalog's shape, as an operator would write it (test data)."""
    return {
        "id": req_id,
        "title_en": f"Test requirement {req_id}",
        "kind": "product",
        "manual": True,
        "questions": [
            {"id": f"Q-{req_id}", "text_ja": "説明してください。", "text_en": "Explain."}
        ],
        **fields,
    }


def write_operator_file(directory: Path, data: Any, name: str = f"{CAMERAS}.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_operator_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_without_the_file_the_star3_profile_has_only_its_base():
    index = CatalogIndex(load_catalog())
    assert len(index.requirement_ids(CAMERAS)) == 16
    assert index.scheme(CAMERAS).requirements == ()


def test_the_operators_file_gives_the_profile_its_requirements(tmp_path):
    reqs = [operator_requirement("CAM-01"), operator_requirement("CAM-02")]
    write_operator_file(tmp_path, {"requirements": reqs})
    shipped = load_catalog()
    catalog = with_operator_requirements(shipped, tmp_path)
    index = CatalogIndex(catalog)
    assert index.requirement_ids(CAMERAS)[16:] == ("CAM-01", "CAM-02")
    assert index.by_id(CAMERAS)["CAM-02"].questions[0].id == "Q-CAM-02"
    # only the profile that names the file changes
    assert index.requirement_ids("jcstar-3-communication-equipment") == (
        CatalogIndex(shipped).requirement_ids("jcstar-3-communication-equipment")
    )
    assert f"operator:{CAMERAS}.yaml" in catalog.files


def test_the_operators_file_has_its_own_digest_and_leaves_the_catalogs(tmp_path):
    # the catalog digest stays the shipped data's (a ★1 report made without the operator's
    # files is accepted where they are loaded); a ★3 report records its file's own digest
    shipped = load_catalog()
    write_operator_file(tmp_path, {"requirements": [operator_requirement()]})
    first = with_operator_requirements(shipped, tmp_path)
    write_operator_file(
        tmp_path, {"requirements": [operator_requirement(statement_en="Changed text.")]}
    )
    second = with_operator_requirements(shipped, tmp_path)
    assert first.digest == second.digest == shipped.digest
    assert first.version == shipped.version
    (_, name_1, digest_1), *_ = operator_files(first, CAMERAS)
    (_, name_2, digest_2), *_ = operator_files(second, CAMERAS)
    assert name_1 == name_2 and digest_1 != digest_2
    assert operator_files(shipped, CAMERAS) == ()


def test_the_operators_criteria_version_becomes_the_profiles(tmp_path):
    criteria = {
        "id": "TEST-CR-03-CAM",
        "title": "Test criteria (not an IPA document)",
        "published": "2026-06",
        "effective_on": "2026-06-12",
        "tag": "S",
        "basis": "judgement",
        "sources": ["R2"],
    }
    write_operator_file(
        tmp_path, {"requirements": [operator_requirement()], "criteria_versions": [criteria]}
    )
    catalog = with_operator_requirements(load_catalog(), tmp_path)
    current = CatalogIndex(catalog).scheme(CAMERAS).current_criteria
    assert current is not None and current.id == "TEST-CR-03-CAM"


def test_the_environment_variable_names_the_directory(tmp_path, monkeypatch):
    write_operator_file(tmp_path, {"requirements": [operator_requirement()]})
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert "CAM-01" in CatalogIndex(load_catalog()).requirement_ids(CAMERAS)


def test_a_directory_that_is_not_there_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(OperatorRequirementsError, match=f"{ENV_VAR}: .*missing is not a directory"):
        load_catalog()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            {"requirements": [operator_requirement(questions=[])]},
            "requirements.0 (CAM-01): questions: at least one question needed",
            id="no-questions",
        ),
        pytest.param(
            {"requirements": [operator_requirement(), operator_requirement()]},
            "requirements.1 (CAM-01): duplicate requirement id CAM-01",
            id="duplicate-id",
        ),
        pytest.param(
            {"requirements": [operator_requirement("S1.1-01")]},
            f"requirements.0 (S1.1-01): already a requirement of {CAMERAS}",
            id="base-id",
        ),
        pytest.param(
            {"requirements": [operator_requirement(manual=False)]},
            "requirements.0 (CAM-01): neither mapped to a check nor marked manual: true",
            id="unevidenced",
        ),
        pytest.param(
            {"requirements": [operator_requirement(titel_en="typo")]},
            "requirements.0.titel_en: Extra inputs are not permitted",
            id="unknown-field",
        ),
        pytest.param({"requirements": []}, "requirements: ", id="empty"),
        pytest.param("just text", "(top level): ", id="not-a-mapping"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_field(tmp_path, content, message):
    path = write_operator_file(tmp_path, content)
    with pytest.raises(OperatorRequirementsError) as caught:
        with_operator_requirements(load_catalog(), tmp_path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text
    assert "\n" not in text


def test_a_file_that_is_not_yaml_is_named(tmp_path):
    path = tmp_path / f"{CAMERAS}.yaml"
    path.write_text("requirements: [\n", encoding="utf-8")
    with pytest.raises(OperatorRequirementsError, match=f"^{path}: "):
        with_operator_requirements(load_catalog(), tmp_path)
