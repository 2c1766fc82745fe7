"""The one assessment pipeline: plan -> run -> evaluate -> report.

``assess``, ``probe`` and ``firmware`` all run through :func:`assess`; what differs between
them is data: which targets are registered for the run (with their options), which checks are
selected, and whether questionnaire answers are read. The targets come from
``assessment/targets`` and are asked the same questions; nothing here names one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.inputs import load_answers
from jcstar.assessment.models import Answers, AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.plan import (
    PlanError,
    absent_checks,
    build_plan,
    only_checks,
    plan_requirements,
)
from jcstar.assessment.report import assemble_report
from jcstar.assessment.runner import OnAttempt, run_plan_async
from jcstar.assessment.targets import TARGETS, TargetSet
from jcstar.catalog.loader import load_catalog
from jcstar.checks.base import CheckInput
from jcstar.checks.product import ProductContext
from jcstar.checks.registry import get_check


@dataclass(frozen=True)
class Assessed:
    report: AssessmentReport
    #: what each target had to show besides the report, by target name (firmware: the
    #: unpacked image); targets with nothing to show are absent
    details: Mapping[str, object] = field(default_factory=dict)


def check_input(
    profile: ProductProfile,
    base_dir: Path,
    targets: TargetSet = TARGETS,
    resources: ExitStack | None = None,
) -> CheckInput:
    """The typed input of a run: what each present target contributes, what the profile says
    about the product, and where its relative paths start."""
    fields: dict[str, object] = {}
    for target in targets:
        if not target.present(profile):
            continue
        for name, value in target.prepare(profile, base_dir, resources).items():
            before = fields.get(name)
            # mapping fields (documents, extra) collect every target's entries
            if isinstance(before, Mapping) and isinstance(value, Mapping):
                value = {**before, **value}
            fields[name] = value
    return CheckInput(
        **fields,  # type: ignore[arg-type]  # each target names the fields it fills
        product=ProductContext(profile.needed_ports, profile.model_numbers),
        base_dir=str(base_dir),
    )


async def assess(
    profile: ProductProfile,
    base_dir: Path,
    *,
    inputs: Sequence[InputDigest] = (),
    answers_path: Path | None = None,
    targets: TargetSet = TARGETS,
    select: str | None = None,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
    on_plan: Callable[[int], None] | None = None,
    also: Sequence[str] = (),
) -> Assessed:
    """Assess ``profile`` (its relative paths start at ``base_dir``).

    ``inputs``: digests of the files already read (the profile); ``answers_path``: the
    questionnaire answers; ``select``: run only the checks whose id starts with it
    (``network.``), keeping the requirements they evidence; ``also``: other schemes the
    assessment also answers (their requirements the level's scheme does not cover are
    planned too); ``on_plan`` is told how many
    checks will run, ``on_attempt`` each attempt as it ends."""
    catalog = load_catalog()
    plan = build_plan(catalog, profile, also)
    if select is not None:
        plan = only_checks(plan, select)
        if not plan.requirements:  # nothing to run must never read as conformant
            what = select.rstrip(".")
            raise PlanError(f"catalog {catalog.version} binds no {what} check to any requirement")
    if on_plan:
        on_plan(len(plan.check_ids))
    requirements = plan_requirements(catalog, plan)
    digests = list(inputs)
    answers = Answers()
    if answers_path is not None:
        answers, answers_digest = load_answers(answers_path, set(requirements))
        digests.append(answers_digest)
    # import the checks that will run before any target is prepared: a missing extra stops
    # the run here, before an image is unpacked or a device contacted; a check whose targets
    # are all absent is skipped unimported (its extra may not be installed)
    present = [target for target in targets if target.present(profile)]
    absent = absent_checks(plan.check_ids, {target.name for target in present})
    runs = [check_id for check_id in plan.check_ids if check_id not in absent]
    needed = {name for check_id in runs for name in get_check(check_id).needs}
    with ExitStack() as resources:  # a target's work directory is released after the run
        given = check_input(profile, base_dir, targets, resources)
        attempts = await run_plan_async(plan, given, timeout_s, on_attempt)
        finished = {t.name: await t.finish(given, t.name in needed) for t in present}
    for done in finished.values():
        digests += done.digests
    verdicts = evaluate(plan, requirements, attempts, answers.answers)
    report = assemble_report(
        catalog, plan, profile, digests, attempts, verdicts, answers=answers.answers
    )
    details = {name: done.detail for name, done in finished.items() if done.detail is not None}
    return Assessed(report, details)
