"""Run the plan's automated checks: bounded time, concurrent, errors as data."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from jcstar.assessment.models import AssessmentPlan, ProductProfile
from jcstar.assessment.plan import absent_checks
from jcstar.checks.base import CannotJudge, Check, CheckAttempt, CheckInput, SkipCheck
from jcstar.checks.params import ParamsError, resolve
from jcstar.checks.registry import get_check, recorded_version

#: called as each attempt finishes (for progress bars)
OnAttempt = Callable[[CheckAttempt], None]


def check_input(profile: ProductProfile, base_dir: Path) -> CheckInput:
    """The typed input of a run from every registered target the profile names, for checks
    run on their own (tests, scripts): an image is unpacked in a private directory that goes
    with the run. The runner itself names no target: the pipeline builds the input."""
    from jcstar.assessment.pipeline import check_input as from_targets  # it imports this module

    return from_targets(profile, base_dir)


def budget(check: Check, timeout_s: float | None, given: CheckInput | None = None) -> float:
    """The user's limit when given, else the check's own budget (a credential sweep
    against a device that pauses seconds per wrong password needs minutes), worked out
    from its input when it can (a firmware check: the profile's unpack time limit)."""
    if timeout_s is not None:
        return timeout_s
    return float(check.budget_for(given) if given is not None else check.budget_s)


async def run_check(
    check: Check,
    given: CheckInput,
    timeout_s: float | None,
    params: Mapping[str, object] | None = None,
) -> CheckAttempt:
    """Run one check; whatever happens, return an attempt (never raise, never pass by default).

    ``params``: the catalog's parameters for the check (the plan's); its defaults fill in."""
    given = given.for_check(check.needs)
    try:  # validated against the check's declaration: the check sees declared types only
        given = replace(given, params=resolve(check, params or {}).recorded())
    except ParamsError as exc:  # the catalog lint names this too; never a pass
        return CheckAttempt(
            check=check.id,
            check_version=check.version,
            status="error",
            reason=f"the catalog's parameters for {check.id}: {exc}",
        )
    timeout_s = budget(check, timeout_s, given)
    started = time.monotonic()
    present = given.targets
    target = ", ".join(present[name] for name in check.needs if name in present)

    def attempt(**fields: object) -> CheckAttempt:
        elapsed = int((time.monotonic() - started) * 1000)
        return CheckAttempt.model_validate(
            {
                "check": check.id,
                "check_version": check.version,
                "target": target,
                "duration_ms": elapsed,
                **fields,
            }
        )

    try:
        observations = await asyncio.wait_for(check.run(given), timeout=timeout_s)
    except SkipCheck as exc:
        return attempt(status="skipped", reason=str(exc))
    except TimeoutError:  # the kind says "timed out"; the reason states the limit
        return attempt(status="error", kind="timed_out", reason=f"no result within {timeout_s:g} s")
    except CannotJudge as exc:  # the check says in plain words why it cannot judge
        return attempt(status="error", kind=exc.kind, reason=exc.reason)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # the run itself is being stopped (an interrupt): no attempt, it runs again
        # work the check waited on was cancelled under it (not the run): it stopped part way
        return attempt(
            status="error", kind="cut_short", reason="work the check waited on was cancelled"
        )
    except Exception as exc:  # a broken check: an error, not a pass, and named as a fault
        return attempt(status="error", reason=f"internal error in the check: {exc!r}")
    if not observations:
        return attempt(status="error", reason="check returned no observation")
    return attempt(status="completed", observations=observations)


def skipped_unimported(check_id: str, reason: str) -> CheckAttempt:
    """The attempt of a check skipped without importing it: its version is the one the
    provenance lock records (what the installed check declares; a test holds them equal)."""
    version = recorded_version(check_id)
    assert version is not None  # absent_checks takes only recorded checks
    return CheckAttempt(check=check_id, check_version=version, status="skipped", reason=reason)


async def run_plan_async(
    plan: AssessmentPlan,
    given: CheckInput,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
) -> tuple[CheckAttempt, ...]:
    async def one(check: Check) -> CheckAttempt:
        result = await run_check(check, given, timeout_s, plan.params_for(check.id))
        if on_attempt:
            on_attempt(result)
        return result

    async def in_sequence(checks: list[Check]) -> list[CheckAttempt]:
        return [await one(check) for check in checks]

    # a check whose targets are all absent is skipped without being imported (its extra
    # may not be installed); the attempt says so as the check itself would
    absent = absent_checks(plan.check_ids, given.targets)
    skipped = [skipped_unimported(check_id, reason) for check_id, reason in absent.items()]
    for attempt in skipped:
        if on_attempt:
            on_attempt(attempt)
    checks = [get_check(check_id) for check_id in plan.check_ids if check_id not in absent]
    # checks that talk to the device run one after another in a fixed order: a
    # brute-force burst must not race the credential checks (it may trigger a lockout)
    ordered = sorted((c for c in checks if c.sequence is not None), key=lambda c: c.sequence or 0)
    free = [c for c in checks if c.sequence is None]
    concurrent = asyncio.gather(*(one(c) for c in free))  # starts them now
    sequential = await in_sequence(ordered)
    by_id = {a.check: a for a in [*skipped, *sequential, *await concurrent]}
    return tuple(by_id[check_id] for check_id in plan.check_ids)


def run_plan(
    plan: AssessmentPlan,
    given: CheckInput,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
) -> tuple[CheckAttempt, ...]:
    return asyncio.run(run_plan_async(plan, given, timeout_s, on_attempt))
