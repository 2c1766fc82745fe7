"""Running the power-sector checks against responders the test starts on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.inputs import load_profile
from jcstar.assessment.models import ProductProfile, RequirementVerdict
from jcstar.assessment.plan import build_plan
from jcstar.assessment.runner import run_check
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.checks.base import Check, CheckAttempt, CheckInput
from jcstar.checks.network.collect.device import DeviceParams, DeviceTarget
from jcstar.checks.product import NeededPort, ProductContext

ROOT = Path(__file__).resolve().parents[3]
GATEWAY_PROFILE = ROOT / "examples" / "conformant-gateway" / "profile.yaml"
HOST = "127.0.0.1"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released: connections are refused)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


async def attempt(
    check: Check,
    params: Mapping[str, object],
    needed: tuple[NeededPort, ...] = (),
    ports: str | None = None,
    device_timeout_s: float = 1.0,
    budget_s: float | None = None,
) -> CheckAttempt:
    given = CheckInput(
        device=DeviceTarget(DeviceParams(address=HOST, ports=ports, timeout_s=device_timeout_s)),
        product=ProductContext(needed_ports=needed),
    )
    return await run_check(check, given, budget_s, params)


def profile_of_type(product_type: str) -> ProductProfile:
    profile, _ = load_profile(GATEWAY_PROFILE)
    return profile.model_copy(update={"product_type": product_type})


def verdict_of(
    product_type: str, attempts: tuple[CheckAttempt, ...], requirement: str
) -> RequirementVerdict:
    """The verdict the engine gives ``requirement`` for a product of ``product_type`` from
    these attempts alone (no vendor answers)."""
    catalog = load_catalog()
    plan = build_plan(catalog, profile_of_type(product_type))
    requirements = CatalogIndex(catalog).by_id(plan.scheme)
    verdicts = evaluate(plan, requirements, attempts, {})
    return next(v for v in verdicts if v.requirement == requirement)
