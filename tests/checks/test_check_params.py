"""Check parameters from the catalog: declared defaults, binding and level overrides, what the
check judges by, and what the report records (issue 12, point 4)."""

from __future__ import annotations

import asyncio
import shutil
import ssl
from pathlib import Path

import pytest
import yaml

from jcstar.assessment.decision import parse_report, reevaluate
from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.models import AssessmentReport, ProductProfile
from jcstar.assessment.plan import PlanError, build_plan, only_checks
from jcstar.assessment.report import assemble_report
from jcstar.assessment.runner import run_check, run_plan
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from jcstar.catalog.models import Catalog
from jcstar.checks.base import CheckInput
from jcstar.checks.network.collect.device import DeviceParams, DeviceTarget
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.tls import TlsCheck, TlsParams
from jcstar.checks.params import CheckParams, ParamsError, params_of, resolve
from jcstar.checks.registry import CHECKS
from tests.sim import SimDevice, http, self_signed, tls_context


def catalog_with(tmp_path: Path, tls: dict | None = None, level: dict | None = None) -> Catalog:
    """The shipped catalog with the ★1 TLS binding's parameters and level 1's profile set."""
    root = tmp_path / "catalog"
    shutil.copytree(data_dir(), root)
    scheme_file = root / "schemes" / "jcstar-1.yaml"
    scheme = yaml.safe_load(scheme_file.read_text(encoding="utf-8"))
    s112 = next(r for r in scheme["requirements"] if r["id"] == "S1.1-12")
    binding = next(b for b in s112["checks"] if b["check"] == "network.tls")
    if tls is not None:
        binding["params"] = tls
    scheme_file.write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    levels_file = root / "levels.yaml"
    levels = yaml.safe_load(levels_file.read_text(encoding="utf-8"))
    if level is not None:
        levels["levels"][0]["check_params"] = level
    levels_file.write_text(yaml.safe_dump(levels, allow_unicode=True), encoding="utf-8")
    return load_catalog(root)


def profile_for(address: str | None = None) -> ProductProfile:
    device = DeviceParams(address=address, ports="8443") if address else None
    return ProductProfile(
        vendor="V",
        product="P",
        model_numbers=("M-1",),
        product_type="gateway",
        firmware_version="1",
        device=device,
    )


# -- declarations ---------------------------------------------------------------------------


def test_every_check_runs_with_defaults_alone_and_the_tls_defaults_are_star1s():
    for check in CHECKS.values():
        # a parameter without a default would make every catalog binding name it
        assert isinstance(resolve(check), CheckParams), check.id
    limits = params_of(TlsCheck)()
    assert limits == TlsParams()
    assert limits.min_rsa_bits == 2048
    assert limits.weak_versions == ("TLSv1.0", "TLSv1.1")
    assert "RC4" in limits.weak_ciphers
    assert limits.weak_signature_hashes == ("sha1", "md5")


def test_overrides_apply_in_order_and_catalog_lists_become_tuples():
    resolved = resolve(TlsCheck, {"min_rsa_bits": 3072}, {"weak_versions": ["TLSv1.0"]})
    assert isinstance(resolved, TlsParams)
    assert resolved.min_rsa_bits == 3072
    assert resolved.weak_versions == ("TLSv1.0",)
    assert resolve(TlsCheck, {"min_rsa_bits": 3072}, {"min_rsa_bits": 4096}).min_rsa_bits == 4096


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"min_rsa_bits": "3072"}, "parameter min_rsa_bits: Input should be a valid integer"),
        ({"min_rsa_bits": 1.5}, "parameter min_rsa_bits: Input should be a valid integer"),
        ({"min_rsa_bits": 100}, "parameter min_rsa_bits: Input should be greater than"),
        ({"key_bits": 3072}, "parameter key_bits: Extra inputs are not permitted"),
    ],
)
def test_a_wrong_parameter_is_refused_with_its_name(given, message):
    with pytest.raises(ParamsError) as caught:
        resolve(TlsCheck, given)
    assert str(caught.value).startswith(message)


def test_a_check_without_parameters_refuses_any():
    with pytest.raises(ParamsError, match="parameter burst: Extra inputs"):
        resolve(CHECKS["network.bruteforce"], {"burst": 5})


# -- the plan -------------------------------------------------------------------------------


def test_shipped_plan_sets_no_parameter(tmp_path):
    assert build_plan(load_catalog(), profile_for()).check_params == {}


def test_plan_takes_the_binding_then_the_level_profile(tmp_path):
    catalog = catalog_with(
        tmp_path,
        tls={"min_rsa_bits": 3072, "weak_versions": ["TLSv1.0", "TLSv1.1"]},
        level={"network.tls": {"min_rsa_bits": 4096}},
    )
    plan = build_plan(catalog, profile_for())
    assert plan.params_for("network.tls") == {
        "min_rsa_bits": 4096,
        "weak_versions": ["TLSv1.0", "TLSv1.1"],
    }
    assert plan.params_for("network.services") == {}
    # a part of the plan keeps them
    assert only_checks(plan, "network.tls").params_for("network.tls")["min_rsa_bits"] == 4096


def test_plan_refuses_one_check_with_two_parameter_sets(tmp_path):
    catalog = catalog_with(tmp_path, tls={"min_rsa_bits": 3072})
    scheme = next(s for s in catalog.schemes if s.id == "jcstar-1")
    requirements = list(scheme.requirements)
    i = next(n for n, r in enumerate(requirements) if r.id == "S1.1-13")
    other = (
        requirements[i]
        .checks[0]
        .model_copy(update={"check": "network.tls", "params": {"min_rsa_bits": 4096}})
    )
    requirements[i] = requirements[i].model_copy(
        update={"checks": (*requirements[i].checks, other)}
    )
    changed = scheme.model_copy(update={"requirements": tuple(requirements)})
    schemes = tuple(changed if s.id == "jcstar-1" else s for s in catalog.schemes)
    with pytest.raises(
        PlanError, match=r"bound with different parameters in S1\.1-12 and S1\.1-13"
    ):
        build_plan(catalog.model_copy(update={"schemes": schemes}), profile_for())


# -- the runner: what the check is given ----------------------------------------------------


def test_bad_parameters_reaching_the_runner_are_an_error_never_a_pass():
    attempt = asyncio.run(run_check(TlsCheck(), CheckInput(), None, {"min_rsa_bits": "big"}))
    assert attempt.status == "error"
    assert attempt.reason.startswith("the catalog's parameters for network.tls: parameter")
    assert not attempt.observations


# -- a stricter catalog changes a real verdict, and the report says with what ----------------


@pytest.fixture(scope="module")
def rsa2048(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("certs"))


def assess_tls(catalog: Catalog, address: str) -> AssessmentReport:
    profile = profile_for(address)
    plan = only_checks(build_plan(catalog, profile), "network.tls")
    assert profile.device is not None
    given = CheckInput(device=DeviceTarget(profile.device, Pacer()))
    attempts = run_plan(plan, given, timeout_s=60)
    verdicts = evaluate(plan, CatalogIndex(catalog).by_id(plan.scheme), attempts, {})
    return assemble_report(catalog, plan, profile, [], attempts, verdicts)


def s112(report: AssessmentReport):
    return next(v for v in report.verdicts if v.requirement == "S1.1-12")


@pytest.mark.network
@pytest.mark.slow
def test_a_stricter_key_size_turns_a_2048_bit_server_not_met(tmp_path, rsa2048):
    cert, key = rsa2048
    ctx = tls_context(cert, key, ssl.TLSVersion.TLSv1_2)
    default = load_catalog()
    stricter = catalog_with(tmp_path, tls={"min_rsa_bits": 3072})
    with SimDevice("127.0.12.1", {8443: http()}, tls={8443: ctx}) as dev:
        at_default = assess_tls(default, dev.host)
        at_3072 = assess_tls(stricter, dev.host)

    # at ★1's default the check passes the server (a probe alone leaves S1.1-12 to review)
    assert [e.outcome for e in s112(at_default).evidence] == ["pass"]
    assert s112(at_default).verdict == "NEEDS_REVIEW"
    assert s112(at_3072).verdict == "NOT_MET"
    assert "certificate key RSA 2048 is below 3072 bits" in " ".join(s112(at_3072).reasons)

    # the report records every parameter the check ran with: its defaults and the override
    assert at_default.check_params == {"network.tls": TlsParams().recorded()}
    assert at_3072.check_params is not None
    recorded = at_3072.check_params["network.tls"]
    assert recorded["min_rsa_bits"] == 3072
    assert recorded["weak_versions"] == ["TLSv1.0", "TLSv1.1"]

    # the recorded parameters survive JSON and do not disturb the registry's re-evaluation
    parsed = parse_report(at_3072.model_dump(mode="json"))
    assert parsed.check_params == at_3072.check_params
    again = {v.requirement: v.verdict for v in reevaluate(parsed, stricter)}
    assert again["S1.1-12"] == "NOT_MET"


@pytest.mark.network
@pytest.mark.slow
def test_a_level_profile_is_stricter_than_the_scheme_binding(tmp_path, rsa2048):
    cert, key = rsa2048
    ctx = tls_context(cert, key, ssl.TLSVersion.TLSv1_2)
    catalog = catalog_with(
        tmp_path, tls={"min_rsa_bits": 2048}, level={"network.tls": {"min_rsa_bits": 4096}}
    )
    with SimDevice("127.0.12.2", {8443: http()}, tls={8443: ctx}) as dev:
        report = assess_tls(catalog, dev.host)
    assert s112(report).verdict == "NOT_MET"
    assert "is below 4096 bits" in " ".join(s112(report).reasons)
    assert report.check_params == {
        "network.tls": resolve(TlsCheck, {"min_rsa_bits": 4096}).recorded()
    }


def test_a_report_from_before_parameters_were_recorded_still_parses():
    report = assemble_report(
        load_catalog(),
        build_plan(load_catalog(), profile_for()),
        profile_for(),
        [],
        (),
        (),
    )
    data = report.model_dump(mode="json")
    assert data.pop("check_params") == {}  # no attempt: nothing ran, nothing recorded
    assert parse_report(data).check_params is None
