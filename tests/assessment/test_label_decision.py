"""The label decision as a library function, and ``jcstar apply --check`` that asks it offline
(the registry's side of the same answer: tests/registry/test_apply_check.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jcstar.assessment.application_rules import DOCUMENT_KINDS, ROUTES, psti_waived
from jcstar.assessment.decision import label_decision, parse_report
from jcstar.assessment.service import assess_files
from jcstar.catalog.loader import load_catalog
from jcstar.cli.main import app as cli_app
from tests.conftest import CONFORMANT
from tests.registry.conftest import with_answer


@pytest.fixture(scope="module")
def conformant() -> dict[str, Any]:
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")
    data: dict[str, Any] = report.model_dump(mode="json")
    return data


def check(tmp_path: Path, data: dict[str, Any] | str, *args: str) -> tuple[int, str]:
    """``jcstar apply REPORT --check ARGS``: its exit code and everything it printed."""
    path = tmp_path / "report.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    result = CliRunner().invoke(cli_app, ["apply", str(path), "--check", *args])
    return result.exit_code, result.output


def test_the_psti_waiver_is_read_from_the_official_crosswalk() -> None:
    # [V] jcstar-facts §4: a PSTI statement of compliance waives S1.1-02, -05 and -16
    assert psti_waived(load_catalog()) == {"S1.1-02", "S1.1-05", "S1.1-16"}


def test_the_registry_and_the_cli_read_routes_and_document_kinds_from_one_list() -> None:
    from jcstar.cli import apply_cmd
    from jcstar.registry.applications import documents, fees, schemas

    assert [route.value for route in apply_cmd.Route] == list(ROUTES) == ["standard", "psti"]
    assert apply_cmd.DOCUMENT_KINDS is documents.DOCUMENT_KINDS is DOCUMENT_KINDS
    assert (
        schemas.ApplicationCreate.model_fields["route"].annotation
        == fees.FeeRow.model_fields["route"].annotation
    )


def test_the_conformant_example_is_grantable(conformant: dict[str, Any]) -> None:
    decision = label_decision(parse_report(conformant), load_catalog())
    assert decision.grantable
    assert decision.problems == ()


def test_a_refusal_names_each_requirement(conformant: dict[str, Any]) -> None:
    data = with_answer(conformant, "S1.1-12", status="not_implemented", evidence=[])
    data = with_answer(data, "S1.1-04", status="not_implemented", evidence=[])
    decision = label_decision(parse_report(data), load_catalog())
    assert not decision.grantable
    assert [p.requirement for p in decision.problems] == ["S1.1-04", "S1.1-12"]
    assert decision.refusal().startswith("cannot submit: S1.1-04: verdict is NOT_MET, not MET")
    assert decision.refusal().endswith("(and 1 more)")


def test_the_psti_route_waives_only_with_a_statement(conformant: dict[str, Any]) -> None:
    data = parse_report(with_answer(conformant, "S1.1-16", evidence=[]))  # a claim: review
    catalog = load_catalog()
    assert label_decision(data, catalog, route="psti", document_kinds={"psti_statement"}).grantable
    without = label_decision(data, catalog, route="psti")
    assert str(without.problems[0]) == (
        "the PSTI route needs a psti_statement document (statement of compliance)"
    )
    assert not label_decision(data, catalog, document_kinds={"psti_statement"}).grantable


def test_check_says_the_conformant_example_would_be_accepted(
    tmp_path: Path, conformant: dict[str, Any]
) -> None:
    code, output = check(tmp_path, conformant)
    assert code == 0, output
    assert "the registry would accept this report" in output


def test_check_names_each_problem_of_an_edited_report(
    tmp_path: Path, conformant: dict[str, Any]
) -> None:
    data = with_answer(conformant, "S1.1-12", status="not_implemented", evidence=[])
    code, output = check(tmp_path, data)
    assert code == 1
    assert "S1.1-12: verdict is NOT_MET, not MET (vendor states it is not implemented" in output
    # a verdict edited by hand does not follow from the report's evidence
    edited = copy.deepcopy(conformant)
    edited["verdicts"][0]["reasons"] = ["trust me"]
    code, output = check(tmp_path, edited)
    assert code == 1
    requirement = edited["verdicts"][0]["requirement"]
    assert f"{requirement}: its reasons or evidence are not what the report's own evidence" in (
        " ".join(output.split())
    )


def test_check_takes_the_route_and_document_kinds(
    tmp_path: Path, conformant: dict[str, Any]
) -> None:
    data = with_answer(conformant, "S1.1-16", evidence=[])
    statement = tmp_path / "statement.pdf"
    statement.write_bytes(b"%PDF-1.7\n")
    assert check(tmp_path, data)[0] == 1
    assert (
        check(tmp_path, data, "--route", "psti", "--document", f"psti_statement={statement}")[0]
        == 0
    )


def test_check_refuses_bad_input_with_exit_2(tmp_path: Path, conformant: dict[str, Any]) -> None:
    code, output = check(tmp_path, "{not json")
    assert code == 2
    assert "not a JSON report" in output
    code, output = check(tmp_path, conformant, "--document", f"certificate={tmp_path}/none.pdf")
    assert code == 2
    assert "kind 'certificate' is not one of checklist, declaration" in output


def test_without_check_a_registry_is_required(tmp_path: Path, conformant: dict[str, Any]) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(conformant), "utf-8")
    result = CliRunner(env={"JCSTAR_REGISTRY": None, "JCSTAR_TOKEN": None}).invoke(
        cli_app, ["apply", str(path)]
    )
    assert result.exit_code == 2
    assert "--registry" in result.output
