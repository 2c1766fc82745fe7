"""One pipeline for assess, probe and firmware; targets registered in one place; checks
imported on first use (issue 12, point 3)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from jcstar.assessment.inputs import load_profile
from jcstar.assessment.models import InputDigest, ProductProfile
from jcstar.assessment.pipeline import assess, check_input
from jcstar.assessment.plan import PlanError
from jcstar.assessment.runner import run_check
from jcstar.assessment.targets import TARGETS, Finished, with_target
from jcstar.assessment.targets.device import DeviceInputs
from jcstar.checks.base import Check, CheckInput, Observation, SkipCheck
from jcstar.checks.registry import CHECK_CLASSES, get_check

EXAMPLE = Path(__file__).parents[2] / "examples" / "conformant-gateway"
APP = "companion_app"


@dataclass(frozen=True)
class CompanionApp:
    package: str

    def __str__(self) -> str:
        return self.package


@dataclass(frozen=True)
class CompanionAppInputs:
    """A target added later, as docs/adding-a-target.md describes: it lives in its own module
    and is registered with one line; nothing in the pipeline or the runner changes."""

    name: str = APP

    def present(self, profile: ProductProfile) -> bool:
        return True

    def prepare(
        self, profile: ProductProfile, base_dir: Path, resources: ExitStack | None
    ) -> Mapping[str, object]:
        return {"extra": {APP: CompanionApp(f"jp.example.{profile.model_numbers[0].lower()}")}}

    async def finish(self, given: CheckInput, used: bool) -> Finished:
        digest = InputDigest(role="companion_app", name="app.apk", sha256="ab" * 32)
        return Finished(digests=(digest,), detail=f"inspected {given.extra[APP]}")


class ReadsTheApp(Check):
    id: ClassVar[str] = "app.permissions"
    version: ClassVar[str] = "0"
    title: ClassVar[str] = "reads the companion app"
    needs: ClassVar[tuple[str, ...]] = (APP,)
    topics: ClassVar[tuple[str, ...]] = ("permissions",)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        app = given.target(APP)
        if app is None:
            raise SkipCheck("profile names no companion app")
        return (Observation(topic="permissions", outcome="info", message=f"read {app}"),)


class ForgetsToDeclareTheApp(ReadsTheApp):
    needs: ClassVar[tuple[str, ...]] = ()


REGISTERED = (*TARGETS, CompanionAppInputs())  # the one registration line


def test_a_new_target_reaches_the_check_that_declares_it() -> None:
    profile, _ = load_profile(EXAMPLE / "profile.yaml")
    given = check_input(profile, EXAMPLE, REGISTERED)
    attempt = asyncio.run(run_check(ReadsTheApp(), given, timeout_s=5))
    assert attempt.status == "completed", attempt.reason
    assert attempt.observations[0].message == "read jp.example.hg-100"
    assert attempt.target == "jp.example.hg-100"


def test_a_new_targets_input_is_hidden_from_checks_that_do_not_declare_it() -> None:
    profile, _ = load_profile(EXAMPLE / "profile.yaml")
    given = check_input(profile, EXAMPLE, REGISTERED)
    attempt = asyncio.run(run_check(ForgetsToDeclareTheApp(), given, timeout_s=5))
    assert attempt.status == "error"
    assert "reads 'companion_app' but does not declare it in needs" in attempt.reason


def test_without_the_registration_the_check_is_skipped() -> None:
    profile, _ = load_profile(EXAMPLE / "profile.yaml")
    attempt = asyncio.run(run_check(ReadsTheApp(), check_input(profile, EXAMPLE), timeout_s=5))
    assert (attempt.status, attempt.reason) == ("skipped", "profile names no companion app")


def test_a_registered_targets_files_join_the_report_and_its_detail_reaches_the_caller() -> None:
    profile, digest = load_profile(EXAMPLE / "profile.yaml")
    answers = EXAMPLE / "answers.yaml"
    plain = asyncio.run(assess(profile, EXAMPLE, inputs=[digest], answers_path=answers))
    extended = asyncio.run(
        assess(profile, EXAMPLE, inputs=[digest], answers_path=answers, targets=REGISTERED)
    )
    app = [i for i in extended.report.inputs if i.role == "companion_app"]
    assert [(i.name, i.sha256) for i in app] == [("app.apk", "ab" * 32)]
    assert [i for i in extended.report.inputs if i not in app] == list(plain.report.inputs)
    assert extended.details == {APP: "inspected jp.example.hg-100"}
    assert plain.details == {}
    # the checks the catalog binds see the same input, so the verdicts do not move
    assert extended.report.verdicts == plain.report.verdicts
    assert extended.report.overall == plain.report.overall == "CONFORMANT"


def test_a_selection_that_binds_no_check_is_refused_not_conformant() -> None:
    profile, _ = load_profile(EXAMPLE / "profile.yaml")
    with pytest.raises(PlanError, match="binds no cloud check to any requirement"):
        asyncio.run(assess(profile, EXAMPLE, select="cloud."))


def test_selecting_a_targets_checks_keeps_only_them() -> None:
    profile, _ = load_profile(EXAMPLE / "profile.yaml")
    report = asyncio.run(assess(profile, EXAMPLE, select="documents.")).report
    assert {attempt.check for attempt in report.attempts} == {
        check_id for check_id in CHECK_CLASSES if check_id.startswith("documents.")
    }


def test_with_target_replaces_a_target_of_the_same_name() -> None:
    fleet = DeviceInputs(pacer=None)
    replaced = with_target(TARGETS, fleet)
    assert len(replaced) == len(TARGETS)
    assert [t.name for t in replaced] == [t.name for t in TARGETS]
    assert fleet in replaced
    assert with_target(TARGETS, CompanionAppInputs())[-1] == CompanionAppInputs()


def test_an_unknown_check_is_named() -> None:
    with pytest.raises(KeyError, match=r"unknown check 'network\.telepathy'"):
        get_check("network.telepathy")


def test_asking_for_one_check_imports_that_check_only() -> None:
    code = (
        "import json, sys\n"
        "from jcstar.checks.registry import CHECKS, check_module, get_check\n"
        "before = [c for c in CHECKS if check_module(c) in sys.modules]\n"
        "check = get_check('documents.vdp')\n"
        "after = [c for c in CHECKS if check_module(c) in sys.modules]\n"
        "print(json.dumps([before, after, check.id]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    before, after, check_id = json.loads(result.stdout)
    assert (before, check_id) == ([], "documents.vdp")
    assert "documents.vdp" in after
    assert [c for c in after if not c.startswith("documents.")] == []  # no device, no firmware
