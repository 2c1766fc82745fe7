"""``jcstar plan``: what an assessment of this profile will check and ask."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from jcstar.cli.common import also_schemes, input_errors, print_json, print_table, write_output


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    answers = "answers"


def plan(
    profile: Annotated[Path, typer.Argument(metavar="PROFILE.yaml", help="Product profile")],
    fmt: Annotated[
        PlanFormat,
        typer.Option("--format", help="table, json, or answers (a questionnaire to fill in)"),
    ] = PlanFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE")] = None,
    also: Annotated[
        list[str] | None,
        typer.Option(
            "--also",
            metavar="SCHEME[,SCHEME…]",
            help="Other schemes to answer in the same assessment (cls-1, psti, …): their "
            "requirements the level does not cover are added with their checks and questions",
        ),
    ] = None,
) -> None:
    """Show which requirements apply, which checks run and what the vendor must answer."""
    # the planner knows every check: imported when a plan is made, not for --help
    from jcstar.assessment.inputs import InputError, load_profile
    from jcstar.assessment.plan import PlanError, build_plan, plan_requirements
    from jcstar.assessment.questionnaire import answers_template
    from jcstar.catalog.loader import load_catalog

    catalog = load_catalog()
    with input_errors(InputError, PlanError):
        loaded, _ = load_profile(profile)
        built = build_plan(catalog, loaded, also_schemes(also))
    requirements = plan_requirements(catalog, built)
    if fmt is PlanFormat.answers:
        write_output(answers_template(built, requirements).encode("utf-8"), output)
        return
    if fmt is PlanFormat.json:
        print_json(built.model_dump(mode="json"))
        return
    print_table(
        f"Plan for {loaded.product}: ★{built.level} ({built.scheme})",
        ("requirement", "applies", "checks", "questions", "why"),
        (
            (
                f"{p.requirement} {requirements[p.requirement].title_ja or ''}",
                p.applicability,
                ", ".join(p.checks) or ("manual" if p.manual else ""),
                ", ".join(p.questions),
                p.reason,
            )
            for p in built.requirements
        ),
    )
