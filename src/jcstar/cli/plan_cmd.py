"""``jcstar plan``: what an assessment of this profile will check and ask."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import (
    AlsoOption,
    OperatorRequirementsOption,
    also_schemes,
    input_errors,
    print_json,
    print_table,
    write_output,
)

if TYPE_CHECKING:
    from jcstar.catalog.models import Requirement


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    answers = "answers"


def _title(req: Requirement) -> str:
    """The Japanese title; a foreign scheme's requirement (``--also``) has only English."""
    return req.title_ja or req.title_en or ""


def plan(
    profile: Annotated[Path, typer.Argument(metavar="PROFILE.yaml", help="Product profile")],
    fmt: Annotated[
        PlanFormat,
        typer.Option("--format", help="table, json, or answers (a questionnaire to fill in)"),
    ] = PlanFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE")] = None,
    also: AlsoOption = None,
    operator_requirements: OperatorRequirementsOption = None,
) -> None:
    """Show which requirements apply, which checks run and what the vendor must answer."""
    # the planner knows every check: imported when a plan is made, not for --help
    from jcstar.assessment.also import also_holders
    from jcstar.assessment.inputs import InputError, load_profile
    from jcstar.assessment.plan import PlanError, build_plan, plan_requirements
    from jcstar.assessment.questionnaire import answers_template
    from jcstar.catalog.loader import load_catalog
    from jcstar.catalog.operator_requirements import OperatorRequirementsError, use_directory

    if operator_requirements is not None:
        use_directory(operator_requirements)
    with input_errors(InputError, PlanError, OperatorRequirementsError):
        catalog = load_catalog()
        loaded, _ = load_profile(profile)
        built = build_plan(catalog, loaded, also_schemes(also))
    requirements = plan_requirements(catalog, built)
    if fmt is PlanFormat.answers:
        write_output(answers_template(built, requirements, catalog).encode("utf-8"), output)
        return
    if fmt is PlanFormat.json:
        print_json(built.model_dump(mode="json"))
        return
    # with --also, a column names the scheme(s) each requirement is planned for
    added = also_holders(catalog, built.scheme, built.also, requirements) if built.also else {}
    print_table(
        f"Plan for {loaded.product}: ★{built.level} ({built.scheme})",
        ("requirement", "applies", "checks", "questions", "why", *(("for",) if added else ())),
        (
            (
                f"{p.requirement} {_title(requirements[p.requirement])}",
                p.applicability,
                ", ".join(p.checks) or ("manual" if p.manual else ""),
                ", ".join(p.questions),
                p.reason,
                *((", ".join(added.get(p.requirement, (built.scheme,))),) if added else ()),
            )
            for p in built.requirements
        ),
        caption=(
            f"--also {', '.join(built.also)}: {len(added)} requirements {built.scheme} does "
            "not cover, planned after its own"
            if built.also
            else None
        ),
    )
