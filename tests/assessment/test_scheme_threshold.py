"""docs/adding-a-scheme-threshold.md, followed once: a ★2 level profile that asks a stricter
minimum RSA key size than ★1, set as data in a catalog built here, turns the same 2048-bit TLS
server from MET at ★1 to NOT_MET at ★2; the report records the limit each ran with, and the
catalog lint names a mistyped parameter.

The ★2 profile is an example of our own making (the shipped catalog has no ★2 criteria yet):
it reuses the ★1 requirements and only makes the TLS key size stricter."""

from __future__ import annotations

import shutil
import ssl
from pathlib import Path

import pytest
import yaml

from jcstar.assessment.bindings import lint_bindings
from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.inputs import load_answers
from jcstar.assessment.models import AssessmentReport, ProductProfile
from jcstar.assessment.plan import build_plan, only_checks
from jcstar.assessment.report import assemble_report
from jcstar.assessment.runner import run_plan
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from jcstar.catalog.models import Catalog
from jcstar.checks.base import CheckInput
from jcstar.checks.network.collect.device import DeviceParams, DeviceTarget
from jcstar.checks.network.collect.pacing import Pacer
from tests.conftest import CONFORMANT
from tests.sim import SimDevice, http, self_signed, tls_context

STAR2_TLS = {"network.tls": {"min_rsa_bits": 3072}}


def catalog_with_star2(tmp_path: Path, check_params: dict[str, dict[str, object]]) -> Catalog:
    """The shipped catalog with level 2 made assessable: the ★1 requirements under a stricter
    parameter profile (``check_params`` in levels.yaml), nothing else changed."""
    root = tmp_path / "catalog"
    shutil.copytree(data_dir(), root)
    levels_file = root / "levels.yaml"
    levels = yaml.safe_load(levels_file.read_text(encoding="utf-8"))
    star2 = next(level for level in levels["levels"] if level["level"] == 2)
    star2.update(scheme="jcstar-1", placeholder=False, check_params=check_params)
    levels_file.write_text(yaml.safe_dump(levels, allow_unicode=True), encoding="utf-8")
    return load_catalog(root)


def assess_tls(catalog: Catalog, address: str, level: int) -> AssessmentReport:
    device = DeviceParams(address=address, ports="8443")
    profile = ProductProfile(
        vendor="V",
        product="P",
        model_numbers=("M-1",),
        product_type="gateway",
        firmware_version="1",
        level=level,
        device=device,
    )
    plan = only_checks(build_plan(catalog, profile), "network.tls")
    requirements = CatalogIndex(catalog).by_id(plan.scheme)
    answers, _ = load_answers(CONFORMANT / "answers.yaml", set(requirements))
    attempts = run_plan(plan, CheckInput(device=DeviceTarget(device, Pacer())), timeout_s=60)
    verdicts = evaluate(plan, requirements, attempts, answers.answers)
    return assemble_report(catalog, plan, profile, [], attempts, verdicts)


def s112(report: AssessmentReport) -> tuple[str, str]:
    verdict = next(v for v in report.verdicts if v.requirement == "S1.1-12")
    return verdict.verdict, " ".join(verdict.reasons)


@pytest.mark.network
@pytest.mark.slow
def test_a_star2_profile_is_stricter_than_star1_on_the_same_server(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, bits=2048)
    catalog = catalog_with_star2(tmp_path, STAR2_TLS)
    ctx = tls_context(cert, key, ssl.TLSVersion.TLSv1_2)
    with SimDevice("127.0.12.21", {8443: http()}, tls={8443: ctx}) as dev:
        star1 = assess_tls(catalog, dev.host, level=1)
        star2 = assess_tls(catalog, dev.host, level=2)

    assert s112(star1)[0] == "MET"
    verdict, reasons = s112(star2)
    assert verdict == "NOT_MET"
    assert "certificate key RSA 2048 is below 3072 bits" in reasons
    # each report records the limit it was judged by
    assert star1.check_params is not None and star2.check_params is not None
    assert star1.check_params["network.tls"]["min_rsa_bits"] == 2048
    assert star2.check_params["network.tls"]["min_rsa_bits"] == 3072


def test_the_lint_names_a_mistyped_parameter_of_the_star2_profile(tmp_path: Path) -> None:
    catalog = catalog_with_star2(tmp_path, {"network.tls": {"min_rsa_bit": 3072}})
    messages = [f"{p.where}: {p.message}" for p in lint_bindings(catalog)]
    assert messages == [
        "levels.yaml: level 2: check network.tls: parameter min_rsa_bit:"
        " Extra inputs are not permitted"
    ]


def test_the_star2_example_profile_passes_the_lint(tmp_path: Path) -> None:
    assert lint_bindings(catalog_with_star2(tmp_path, STAR2_TLS)) == []
