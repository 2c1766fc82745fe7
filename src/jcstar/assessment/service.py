"""One call from files to a report: what the CLI (and later the registry) use."""

from __future__ import annotations

import asyncio
from pathlib import Path

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.firmware import run_with_firmware
from jcstar.assessment.inputs import load_answers, load_profile
from jcstar.assessment.models import Answers, AssessmentReport
from jcstar.assessment.plan import build_plan
from jcstar.assessment.report import assemble_report
from jcstar.assessment.runner import OnAttempt
from jcstar.catalog.loader import CatalogIndex, load_catalog


def assess_files(
    profile_path: Path,
    answers_path: Path | None = None,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
) -> AssessmentReport:
    catalog = load_catalog()
    profile, profile_digest = load_profile(profile_path)
    plan = build_plan(catalog, profile)
    requirements = CatalogIndex(catalog).by_id(plan.scheme)
    inputs = [profile_digest]
    answers = Answers()
    if answers_path is not None:
        answers, answers_digest = load_answers(answers_path, set(requirements))
        inputs.append(answers_digest)
    # an unpacked image is removed after the run; its files' digests join the inputs
    attempts, firmware_inputs, _ = asyncio.run(
        run_with_firmware(plan, profile, profile_path.parent, timeout_s, on_attempt)
    )
    inputs += firmware_inputs
    verdicts = evaluate(plan, requirements, attempts, answers.answers)
    return assemble_report(
        catalog, plan, profile, inputs, attempts, verdicts, answers=answers.answers
    )
