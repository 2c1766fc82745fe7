"""``jcstar serve --demo``: a registry with the example product applied, approved and labelled.

Idempotent: a second run finds the demo vendor's label and only issues a fresh operator token
(tokens are stored as digests, so an old one cannot be shown again).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

import jcstar
from jcstar.assessment.service import assess_files
from jcstar.labels import Keyring
from jcstar.registry.accounts.models import Org
from jcstar.registry.accounts.service import (
    Identity,
    Principal,
    create_org,
    create_token,
    find_org,
    has_identity,
    record_identity,
)
from jcstar.registry.applications import service as applications
from jcstar.registry.applications.schemas import ApplicationCreate
from jcstar.registry.db import lock_for_write, make_engine, session_factory
from jcstar.registry.issuance import service as issuance
from jcstar.registry.labels.models import Label
from jcstar.registry.log.checkpoints import sign_on_commit
from jcstar.registry.log.note import log_origin
from jcstar.registry.settings import Settings

OPERATOR = "JC-STAR Demo Operator"
#: the example vendor's identity: fictional, its corporate number made up (check digit valid)
EXAMPLE_IDENTITY = Identity(
    legal_name_en="Example Energy Systems K.K.",
    legal_name_ja="エグザンプル・エナジー・システムズ株式会社",
    country="JP",
    corporate_number="8000000000001",
)
EXAMPLE = Path("examples") / "conformant-gateway"


class DemoError(Exception):
    """The demo cannot be set up (e.g. the example product is not found)."""


@dataclass(frozen=True)
class Demo:
    registration_no: str
    product_url: str
    operator_token: str
    vendor_token: str


def example_dir() -> Path:
    """The example product: under the working directory, or beside the source tree."""
    candidates = [Path.cwd() / EXAMPLE, Path(jcstar.__file__).resolve().parents[2] / EXAMPLE]
    for candidate in candidates:
        if (candidate / "profile.yaml").is_file():
            return candidate
    raise DemoError(f"the example product is not found (looked for {candidates[0]})")


def _principal(org: Org) -> Principal:
    return Principal(org.id, org.name, org.kind)


def seed(settings: Settings) -> Demo:
    example = example_dir()
    report = assess_files(example / "profile.yaml", example / "answers.yaml")
    engine = make_engine(settings.database_url)
    keyring = Keyring.load_or_create(settings.key_dir)
    try:
        sessions = session_factory(engine)
        # the demo's entries are signed as the server's are (a checkpoint per change)
        sign_on_commit(sessions, keyring, log_origin(settings.base_url))
        with sessions() as session:
            lock_for_write(session)
            vendor = find_org(session, report.product.vendor) or create_org(
                session, report.product.vendor, "vendor", EXAMPLE_IDENTITY
            )
            if not has_identity(vendor):  # a demo database from before identities
                record_identity(session, vendor, EXAMPLE_IDENTITY)
            operator = find_org(session, OPERATOR) or create_org(session, OPERATOR, "operator")
            label = session.scalar(select(Label).where(Label.vendor_org_id == vendor.id))
            if label is None:
                body = ApplicationCreate(report=report.model_dump(mode="json"))
                rules = issuance.label_rules(session, settings)
                app = applications.create(session, settings, _principal(vendor), body, rules)
                applications.submit(session, settings, _principal(vendor), app.id, rules)
                ops = _principal(operator)  # accepted, the fee paid: what approval waits for
                applications.accept(session, settings, ops, app.id, None)
                applications.record_fee_paid(session, settings, ops, app.id, "demo")
                label = issuance.approve(
                    session, settings, keyring, _principal(operator), app.id, "demo"
                )
            demo = Demo(
                registration_no=label.registration_no,
                product_url=label.product_url,
                operator_token=create_token(session, operator, expires_days=30),
                vendor_token=create_token(session, vendor, expires_days=30),
            )
            session.commit()
            return demo
    finally:
        engine.dispose()
