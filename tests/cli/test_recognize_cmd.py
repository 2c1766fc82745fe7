"""``jcstar recognize``: exit codes 0/1/2/3, the JSON and the lines a reader acts on, with
labels from an in-process source where the registry would be, and once from a real
``jcstar serve`` that issues and then revokes the label."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jcstar.cli import recognize_cmd
from jcstar.labels.standing import LabelRecord
from tests.cli.test_registry_cli import Registry, issue_label, start_registry
from tests.conftest import CONFORMANT, NONCONFORMANT, invoke
from tests.procurement.conftest import TEST_REGISTRY, at, record, serve_records

STAR1_VERSION = "JST-CR-01-01-2024R1"


def labels() -> list[LabelRecord]:
    """★1 labels issued 2025-05-01, valid until 2027-04-30, as procurement's tests build them."""
    return [
        record("JC1-0001", ("GW-100",), criteria_version=STAR1_VERSION),
        record(
            "JC1-0005",
            ("REV-1",),
            criteria_version=STAR1_VERSION,
            events=(("revoked", "revoked", at("2026-02-10"), dt.date(2027, 4, 30), "false claim"),),
        ),
        record("JC1-0011", ("OLDCRIT-1",), criteria_version="JST-CR-01-01-2023"),
    ]


@pytest.fixture(autouse=True)
def in_process_source(monkeypatch: pytest.MonkeyPatch) -> None:
    serve_records(monkeypatch, recognize_cmd, labels())


def recognize(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    return invoke(cli, "recognize", *args)


def as_json(cli: CliRunner, *args: str) -> tuple[int, dict]:
    code, out, err = recognize(cli, *args, "--format", "json")
    assert code != 2, err
    return code, json.loads(out)


def to_psti(cli: CliRunner, registration: str, on: str) -> tuple[int, dict]:
    return as_json(
        cli,
        "--have",
        "jcstar-1",
        "--want",
        "psti",
        "--registration",
        registration,
        "--on",
        on,
        "--registry",
        TEST_REGISTRY,
    )


def test_psti_to_star1_lists_the_13_not_waived_and_exits_3(cli: CliRunner):
    code, result = as_json(cli, "--have", "psti", "--want", "jcstar-1", "--on", "2026-07-01")
    assert code == 3
    needing = [r["requirement"] for r in result["rows"] if r["coverage"] == "needs_evidence"]
    assert needing == [f"S1.1-{n:02d}" for n in (1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)]
    waived = {
        r["requirement"]: r["covered_by"][0] for r in result["rows"] if r["coverage"] == "covered"
    }
    assert list(waived) == ["S1.1-02", "S1.1-05", "S1.1-16"]
    assert {w["source"] for w in waived.values()} == {"psti-to-jcstar-1"}
    assert result["route"]["fee"]["amount_jpy"] == 140000


def test_the_table_names_the_waiver_the_fee_and_what_is_left(cli: CliRunner):
    code, out, err = recognize(cli, "--have", "psti", "--want", "jcstar-1", "--on", "2026-07-01")
    assert (code, err) == (3, "")
    # the lines under the table are printed whole, whatever the terminal's width
    assert "route psti-to-jcstar-1: waiver, basis official (P10), in effect from 2026-01-01" in out
    assert "waives: S1.1-02, S1.1-05, S1.1-16" in out
    assert "fee: ¥140,000 [V] ★1 for a product already declared compliant with UK PSTI (P10)" in out
    assert out.rstrip().endswith("13 of 16 jcstar-1 requirements still need evidence")


def test_a_valid_star1_label_is_deemed_compliant_on_the_date_of_supply(cli: CliRunner):
    code, result = to_psti(cli, "JC1-0001", "2026-06-01")
    assert code == 0
    assert result["outcome"] == "deemed_compliant"
    assert result["label"]["answer"] == "JC1-0001: deemed compliant on 2026-06-01"
    assert result["covered"] == result["total"] == 4


@pytest.mark.parametrize(
    ("registration", "on", "why"),
    [
        ("JC1-0001", "2027-05-01", "expired: valid until 2027-04-30"),
        ("JC1-0005", "2026-03-01", "revoked on 2026-02-10 (false claim)"),
        ("JC1-0011", "2026-06-01", "criteria version JST-CR-01-01-2023 is not JST-CR-01-01-2024R1"),
    ],
    ids=["after-expiry", "revoked-before", "other-criteria"],
)
def test_a_label_not_valid_as_the_route_asks_is_not_deemed_compliant(
    cli: CliRunner, registration: str, on: str, why: str
):
    code, result = to_psti(cli, registration, on)
    assert code == 1
    answer = result["label"]["answer"]
    assert answer.startswith(f"{registration}: not deemed compliant on {on}: ")
    assert why in answer


def test_the_same_revoked_label_was_deemed_compliant_before_its_revocation(cli: CliRunner):
    code, result = to_psti(cli, "JC1-0005", "2026-02-09")
    assert code == 0
    assert result["label"]["deemed_compliant"] is True


def test_the_table_ends_with_the_labels_answer(cli: CliRunner):
    code, out, _ = recognize(
        cli,
        *("--have", "jcstar-1", "--want", "psti", "--registration", "JC1-0005"),
        *("--on", "2026-03-01", "--registry", TEST_REGISTRY),
    )
    assert code == 1
    assert out.rstrip().endswith(
        "JC1-0005: not deemed compliant on 2026-03-01: revoked on 2026-02-10 (false claim)"
    )
    assert "label condition: a valid ★1 label issued against criteria version" in out


def test_level_picks_the_held_schemes_level(cli: CliRunner):
    code, result = as_json(cli, "--have", "cls", "--level", "1", "--want", "jcstar-1")
    assert code == 3
    assert result["have"] == "cls-1"
    assert result["route"]["id"] == "cls-1-to-jcstar-1"
    covered = [r for r in result["rows"] if r["coverage"] == "covered"]
    assert covered and all(r["covered_by"][0]["kind"] == "crosswalk" for r in covered)


def test_a_cls_label_of_any_level_answers_psti_through_the_csa_uk_route(cli: CliRunner):
    for held in ("cls-1", "cls-2"):
        code, out, err = recognize(cli, "--have", held, "--want", "psti", "--on", "2026-07-01")
        assert (code, err) == (0, "")
        assert "route cls-to-psti: deemed_compliance, basis official (P13)" in out
        assert out.rstrip().endswith("every psti requirement is covered")


def test_psti_to_cls_level_1_names_the_simplified_route_and_what_is_left(cli: CliRunner):
    code, out, _ = recognize(cli, "--have", "psti", "--want", "cls-1", "--on", "2026-07-01")
    assert code == 3
    assert "route psti-to-cls-1: simplified_application, basis official (P13)" in out
    assert out.rstrip().endswith("9 of 13 cls-1 requirements still need evidence")


def test_psti_to_a_star3_category_adds_the_evaluation_body_condition(cli: CliRunner):
    code, result = as_json(
        cli, "--have", "psti", "--want", "jcstar-3-network-cameras", "--on", "2026-07-01"
    )
    assert code == 3
    route = result["route"]
    assert (route["id"], route["kind"]) == ("psti-to-jcstar-2-and-above", "equivalent_criteria")
    assert any("evaluation body" in c for c in route["conditions"])
    assert all(c["kind"] != "route" for r in result["rows"] for c in r["covered_by"])


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The examples assessed by `jcstar assess`, as a user would have them."""
    folder = tmp_path_factory.mktemp("reports")
    runs = {
        "star1": (CONFORMANT, "answers.yaml", ()),
        "also": (CONFORMANT, "answers-also-cls1-psti.yaml", ("--also", "cls-1,psti")),
        "bad": (NONCONFORMANT, "answers.yaml", ()),
    }
    paths = {}
    for name, (example, answers, also) in runs.items():
        path = folder / f"{name}.json"
        code, _, err = invoke(
            CliRunner(),
            *("assess", str(example / "profile.yaml"), "--answers", str(example / answers)),
            *(*also, "-o", str(path)),
        )
        assert code in (0, 1), err
        paths[name] = path
    return paths


@pytest.mark.parametrize(
    ("report", "code", "coverage"),
    [
        ("star1", 3, ["needs_evidence", "needs_evidence", "covered", "covered"]),
        ("also", 0, ["covered"] * 4),
        ("bad", 1, ["not_met", "needs_evidence", "not_met", "needs_evidence"]),
    ],
    ids=["star1-only", "also-psti", "nonconformant"],
)
def test_a_report_answers_psti_from_what_it_showed(
    cli: CliRunner, reports: dict[str, Path], report: str, code: int, coverage: list[str]
):
    got, result = as_json(cli, "--report", str(reports[report]), "--want", "psti")
    assert got == code
    assert [r["requirement"] for r in result["rows"]] == ["5.1-1", "5.1-2", "5.2-1", "5.3-13"]
    assert [r["coverage"] for r in result["rows"]] == coverage


def test_the_report_table_counts_what_failed_and_what_is_left(
    cli: CliRunner, reports: dict[str, Path]
):
    code, out, _ = recognize(cli, "--report", str(reports["bad"]), "--want", "psti")
    assert code == 1
    assert "0/4 covered, 2 NOT_MET" in out
    assert "2 of 4 psti requirements are NOT_MET in the report" in out
    assert "2 of 4 psti requirements still need evidence" in out


def test_a_report_with_a_valid_label_is_deemed_compliant(cli: CliRunner, reports: dict[str, Path]):
    code, result = as_json(
        cli,
        *("--report", str(reports["star1"]), "--want", "psti", "--on", "2026-06-01"),
        *("--registration", "JC1-0001", "--registry", TEST_REGISTRY),
    )
    assert code == 0
    assert result["label"]["answer"] == "JC1-0001: deemed compliant on 2026-06-01"
    assert result["covered"] == 4


def test_report_and_have_are_one_or_the_other(cli: CliRunner, reports: dict[str, Path]):
    for args in (
        ("--want", "psti"),
        ("--have", "jcstar-1", "--report", str(reports["star1"]), "--want", "psti"),
    ):
        code, out, err = recognize(cli, *args)
        assert (code, out) == (2, "")
        assert err.count("\n") == 1 and "give --have SCHEME" in err


def test_a_file_that_is_not_a_report_is_named(cli: CliRunner, tmp_path: Path):
    bogus = tmp_path / "notes.json"
    bogus.write_text("not json")
    code, out, err = recognize(cli, "--report", str(bogus), "--want", "psti")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "notes.json: not a JSON report" in err


LABEL_FROM_TEST_REGISTRY = ("--registry", TEST_REGISTRY, "--registration")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--have", "uk-psti", "--want", "jcstar-1"), "unknown scheme 'uk-psti' (known: "),
        (("--have", "cls", "--level", "3", "--want", "jcstar-1"), "unknown scheme 'cls-3'"),
        (
            ("--have", "psti", "--want", "jcstar-1", *LABEL_FROM_TEST_REGISTRY, "JC1-0001"),
            "no route from psti to jcstar-1 rests on a label",
        ),
        (
            ("--have", "jcstar-1", "--want", "psti", *LABEL_FROM_TEST_REGISTRY, "JC1-9999"),
            "--registration JC1-9999: no such label in test records",
        ),
        (("--have", "jcstar-1", "--want", "psti", "--on", "1 June"), "--on 1 June: not a date"),
        (
            ("--have", "psti", "--want", "jcstar-1", "--registry", TEST_REGISTRY),
            "give --registration NO",
        ),
    ],
    ids=[
        "unknown-scheme",
        "unknown-level",
        "label-not-asked",
        "no-such-label",
        "bad-day",
        "registry-alone",
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli: CliRunner, args: tuple[str, ...], message: str):
    code, out, err = recognize(cli, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    yield from start_registry(request.param, tmp_path)


@pytest.mark.network
@pytest.mark.slow
def test_a_label_from_a_live_registry_is_deemed_compliant_until_revoked(served: Registry):
    label = issue_label(served)
    number = str(label["registration_no"])
    today = dt.datetime.now(dt.UTC).date().isoformat()
    ask = ("recognize", "--have", "jcstar-1", "--want", "psti", "--registration", number)

    run = served.public(*ask, "--on", today, "--registry", served.url, "--format", "json")
    assert run.code == 0, run.err
    assert run.json()["label"]["answer"] == f"{number}: deemed compliant on {today}"

    revoked = served.as_operator("label", "revoke", number, "--reason", "false claim")
    assert revoked.code == 0, revoked.err
    run = served.public(*ask, "--on", today, "--registry", served.url, "--format", "json")
    assert run.code == 1, run.err
    assert f"revoked on {today} (false claim)" in run.json()["label"]["answer"]
