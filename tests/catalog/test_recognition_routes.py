"""The recognition routes file (``catalog/data/recognition.yaml``): it loads, passes its lint,
and the lint and the models refuse what would mislead a reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from jcstar.catalog.lint import _source_ids
from jcstar.catalog.loader import CatalogError, data_dir, load_catalog
from jcstar.catalog.recognition import (
    LabelCondition,
    RecognitionRoute,
    Recognitions,
    lint_recognitions,
    load_recognitions,
)

CATALOG = load_catalog()
SOURCES = _source_ids(data_dir())


def with_route(route: RecognitionRoute) -> Recognitions:
    shipped = load_recognitions()
    return shipped.model_copy(update={"routes": (*shipped.routes, route)})


def route(**fields: object) -> RecognitionRoute:
    base: dict[str, object] = {
        "id": "test-route",
        "have": "cls-2",
        "want": "jcstar-1",
        "kind": "simplified_application",
        "summary": "test",
        "basis": "official",
        "sources": ["P10"],
    }
    return RecognitionRoute.model_validate(base | fields)


def test_the_shipped_routes_load_and_pass_the_lint():
    routes = load_recognitions()
    assert lint_recognitions(routes, CATALOG, SOURCES) == []
    pairs = {(r.have, r.want) for r in routes.routes}
    assert {("psti", "jcstar-1"), ("jcstar-1", "psti"), ("etsi-en-303-645", "jcstar-1")} <= pairs
    assert {("cls-1", "jcstar-1"), ("jcstar-1", "cls-1")} <= pairs


def test_every_secondary_route_says_what_to_confirm_and_every_judgement_why():
    for r in load_recognitions().routes:
        if r.basis == "secondary":
            assert r.confirm
        if r.basis == "judgement":
            assert r.note


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (route(have="uk-psti"), "unknown scheme 'uk-psti'"),
        (route(have="psti"), "a second route from psti to jcstar-1"),
        (route(sources=["NOWHERE"]), "unknown source NOWHERE"),
        (route(sources=["JUDGEMENT"]), "basis official needs an official (P) source"),
        (
            route(
                have="jcstar-1",
                want="cls-2",
                kind="deemed_compliance",
                whole_scheme=True,
                label=LabelCondition(level=1, criteria_version="JST-X", valid_on="a day"),
            ),
            "★1 has no criteria version JST-X",
        ),
    ],
    ids=["unknown-scheme", "duplicate", "unknown-source", "official-unsourced", "version"],
)
def test_the_lint_names_each_problem(bad: RecognitionRoute, problem: str):
    problems = lint_recognitions(with_route(bad), CATALOG, SOURCES)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"basis": "secondary"}, "says what to confirm"),
        ({"basis": "judgement"}, "says why"),
        ({"kind": "none", "application_route": "psti"}, "waives nothing"),
        (
            {"label": {"level": 1, "criteria_version": "JST-CR-01-01-2024R1", "valid_on": "d"}},
            "belongs to a whole-scheme route",
        ),
        ({"basis": "seed"}, "Input should be"),
    ],
    ids=["secondary", "judgement", "none-waiver", "label-not-whole", "seed"],
)
def test_a_route_that_does_not_say_what_it_rests_on_is_refused(
    fields: dict[str, object], message: str
):
    with pytest.raises(ValidationError, match=message):
        route(**fields)


def test_a_broken_file_is_one_error_naming_the_file(tmp_path: Path):
    (tmp_path / "recognition.yaml").write_text("routes:\n  - id: x\n", "utf-8")
    with pytest.raises(CatalogError, match=r"^recognition.yaml: routes.0"):
        load_recognitions(tmp_path)


def test_catalog_lint_names_a_route_to_an_unknown_scheme(tmp_path: Path) -> None:
    import shutil

    from jcstar.catalog.lint import lint_catalog_dir

    root = tmp_path / "data"
    shutil.copytree(data_dir(), root)
    path = root / "recognition.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("want: psti", "want: psti-2099", 1),
        encoding="utf-8",
    )
    _, problems = lint_catalog_dir(root)
    assert any(
        p.where.startswith("recognition.yaml") and "psti-2099" in p.message for p in problems
    ), problems
