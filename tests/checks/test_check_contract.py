"""The check contract and the layout that shows it (issue 12, points 1 and 2).

A check declares everything the runner reads on its type; it reads only the targets it
declares; its module is named after its id; a target's checks sit apart from the
collectors they use (``checks/<target>/collect/``), and no target's code reads another's.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import ClassVar

import pytest

import jcstar.checks
from jcstar.assessment.runner import budget, run_check
from jcstar.checks.base import Check, CheckInput, Observation
from jcstar.checks.firmware.collect.image import FirmwareTarget
from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.checks.network.collect.device import DeviceParams, DeviceTarget, device_params
from jcstar.checks.registry import CHECK_CLASSES, CHECKS

CHECKS_DIR = Path(jcstar.checks.__file__).parent
TARGETS = ("network", "firmware", "documents", "sbom")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(CHECKS_DIR.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_registered_check_lives_in_the_module_named_after_its_id():
    for check_id, check in CHECKS.items():
        assert check.__module__ == f"jcstar.checks.{check_id}", check_id
        assert issubclass(check, Check)


def test_the_registry_states_each_checks_needs_as_the_check_declares_them():
    """The plan skips a check whose targets are absent by reading ``needs`` from the registry
    without importing the check: the data must be the class attribute."""
    for check_id, check in CHECKS.items():
        assert CHECK_CLASSES[check_id].needs == check.needs, check_id
        assert CHECK_CLASSES[check_id].class_name == check.__name__, check_id


def test_every_module_beside_the_collectors_is_a_registered_check():
    # a helper put next to the checks instead of in collect/ would hide the contract
    modules = {
        f"{target}.{path.stem}"
        for target in TARGETS
        for path in (CHECKS_DIR / target).glob("*.py")
        if path.stem != "__init__"
    }
    assert modules == set(CHECKS)


@pytest.mark.parametrize("target", TARGETS)
def test_a_target_reads_no_other_targets_code(target):
    others = tuple(f"jcstar.checks.{t}" for t in TARGETS if t != target)
    for path in (CHECKS_DIR / target).rglob("*.py"):
        crossing = sorted(m for m in imported_modules(path) if m.startswith(others))
        assert not crossing, f"{module_name(path)} imports {crossing}"


def test_the_ast_scan_sees_an_import_inside_a_function(tmp_path):
    # the test above would pass vacuously if the scan missed imports it should see
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from jcstar.checks.network.collect import scan\n")
    assert "jcstar.checks.network.collect.scan" in imported_modules(source)


@pytest.mark.parametrize("target", TARGETS)
def test_collectors_import_no_check(target):
    checks = tuple(f"jcstar.checks.{check_id}" for check_id in CHECKS)
    for path in (CHECKS_DIR / target / "collect").rglob("*.py"):
        used = sorted(m for m in imported_modules(path) if m.startswith(checks))
        assert not used, f"{module_name(path)} imports checks {used}"


def test_a_check_that_forgets_a_declaration_is_refused_when_defined():
    with pytest.raises(TypeError, match="does not declare topics"):

        class Careless(Check):
            id: ClassVar[str] = "test.careless"
            version: ClassVar[str] = "0"
            title: ClassVar[str] = "careless"
            needs: ClassVar[tuple[str, ...]] = ()

            async def run(self, given: CheckInput) -> tuple[Observation, ...]:
                return ()


class ReadsTheDevice(Check):
    id: ClassVar[str] = "test.reads_device"
    version: ClassVar[str] = "0"
    title: ClassVar[str] = "reads the device"
    needs: ClassVar[tuple[str, ...]] = ()  # but does not declare it
    topics: ClassVar[tuple[str, ...]] = ("x",)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        address = device_params(given).address
        return (Observation(topic="x", outcome="pass", message=address),)


class DeclaresTheDevice(ReadsTheDevice):
    needs: ClassVar[tuple[str, ...]] = ("device",)


WITH_DEVICE = CheckInput(device=DeviceTarget(DeviceParams(address="127.0.0.1")))


def test_reading_an_undeclared_target_is_a_fault_of_the_check_never_a_pass():
    attempt = asyncio.run(run_check(ReadsTheDevice(), WITH_DEVICE, timeout_s=5))
    assert attempt.status == "error"
    assert attempt.reason.startswith("internal error in the check: UndeclaredTarget(")
    assert "reads 'device' but does not declare it in needs" in attempt.reason
    assert not attempt.observations


def test_a_declared_target_is_read_and_named_in_the_attempt():
    attempt = asyncio.run(run_check(DeclaresTheDevice(), WITH_DEVICE, timeout_s=5))
    assert (attempt.status, attempt.target) == ("completed", "127.0.0.1")
    assert attempt.observations[0].message == "127.0.0.1"


def test_a_check_sees_only_the_targets_it_declares():
    given = CheckInput(
        device=DeviceTarget(DeviceParams(address="127.0.0.1")),
        firmware=FirmwareTarget(FirmwareParams(image="/images/fw.bin")),
        documents={
            "security_txt": "https://vendor.example",
            "vulnerability_disclosure_policy": "p",
        },
    )
    seen = given.for_check(("security_txt",))
    assert (seen.device, seen.firmware) == (None, None)
    assert seen.targets == {"security_txt": "https://vendor.example"}
    assert seen.shared is given.shared  # work done once a run stays shared


def test_the_runner_takes_the_checks_declared_budget_unless_the_user_sets_one():
    class Slow(DeclaresTheDevice):
        budget_s: ClassVar[float] = 900

    class Derived(DeclaresTheDevice):
        def budget_for(self, given: CheckInput) -> float:
            return 60 if given.device is not None else 5

    assert budget(ReadsTheDevice(), None) == 30
    assert budget(Slow(), None) == 900
    assert budget(Slow(), 2.5) == 2.5
    assert budget(Derived(), None, WITH_DEVICE) == 60
    assert budget(Derived(), None, CheckInput()) == 5


def test_a_wrongly_typed_parameter_is_named():
    given = CheckInput(params={"burst": "twenty"})
    assert CheckInput().param("burst", int, 20) == 20
    assert CheckInput(params={"burst": 40}).param("burst", int, 20) == 40
    with pytest.raises(TypeError, match="parameter 'burst' must be int, got 'twenty'"):
        given.param("burst", int, 20)
