"""``jcstar serve --demo``: a registry with the example product applied, approved and labelled,
and a person to sign in as for each kind of organisation (``DEMO_PEOPLE``).

Idempotent: a second run finds the demo vendor's label and the demo people, and only issues
fresh API tokens (tokens are stored as digests, so an old one cannot be shown again). The
people's passwords are random, made on the first run and kept in ``demo-accounts.json`` in the
key directory (mode 0600, beside the signing keys): a password is stored only as a hash, so
that file is how ``make run`` can show them again on every run.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import jcstar
from jcstar.assessment.service import assess_files
from jcstar.labels import Keyring
from jcstar.registry.accounts.models import Org, User
from jcstar.registry.accounts.service import (
    Identity,
    Principal,
    check_password,
    create_org,
    create_token,
    create_user,
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
PROCURER = "Demo City Procurement Office"
LAB = "Demo Evaluation Lab"
#: where the demo people's passwords are kept between runs, inside the key directory
ACCOUNTS_FILE = "demo-accounts.json"


@dataclass(frozen=True)
class DemoPerson:
    """Someone to sign in as: ``org`` (``None``: the example product's vendor) and roles."""

    who: str
    email: str
    org: str | None
    kind: str
    roles: tuple[str, ...]
    start: str  # the portal page to open first


#: one person per kind of organisation; the operator holds every operator role (four-eyes is
#: off unless JCSTAR_FOUR_EYES turns it on, so one person can walk the whole workflow)
DEMO_PEOPLE = (
    DemoPerson(
        "vendor", "vendor@demo.test", None, "vendor", ("administrator", "applicant"), "/vendor"
    ),
    DemoPerson(
        "operator",
        "operator@demo.test",
        OPERATOR,
        "operator",
        ("reviewer", "approver", "administrator"),
        "/operator",
    ),
    DemoPerson(
        "procurer",
        "procurer@demo.test",
        PROCURER,
        "procurer",
        ("administrator", "watcher"),
        "/procurer",
    ),
    DemoPerson("lab", "lab@demo.test", LAB, "lab", ("evaluator",), "/lab"),
)


class DemoError(Exception):
    """The demo cannot be set up (e.g. the example product is not found)."""


@dataclass(frozen=True)
class DemoAccount:
    person: DemoPerson
    org: str
    password: str


@dataclass(frozen=True)
class Demo:
    registration_no: str
    product_url: str
    operator_token: str
    vendor_token: str
    accounts: tuple[DemoAccount, ...] = ()


def example_dir() -> Path:
    """The example product: under the working directory, or beside the source tree."""
    candidates = [Path.cwd() / EXAMPLE, Path(jcstar.__file__).resolve().parents[2] / EXAMPLE]
    for candidate in candidates:
        if (candidate / "profile.yaml").is_file():
            return candidate
    raise DemoError(f"the example product is not found (looked for {candidates[0]})")


def _principal(org: Org) -> Principal:
    return Principal(org.id, org.name, org.kind)


def _stored_passwords(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoError(f"{path}: cannot read the demo passwords ({exc})") from None
    if not isinstance(data, dict):
        raise DemoError(f"{path}: not the demo passwords (expected an object)")
    return {str(k): str(v) for k, v in data.items()}


def _store_passwords(path: Path, passwords: dict[str, str]) -> None:
    """Written to a new file readable by its owner alone, then moved over the old one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fresh = path.with_suffix(".tmp")
    fresh.unlink(missing_ok=True)
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(passwords, out, indent=2, sort_keys=True)
    fresh.replace(path)


def _people(session: Session, vendor: Org, stored: Path) -> tuple[DemoAccount, ...]:
    """The demo people, made on the first run with random passwords; on later runs the stored
    passwords, each checked against the account it opens."""
    passwords = _stored_passwords(stored)
    made: list[DemoAccount] = []
    for person in DEMO_PEOPLE:
        org = vendor
        if person.org is not None:
            org = find_org(session, person.org) or create_org(session, person.org, person.kind)
        exists = session.scalar(select(User).where(User.email == person.email)) is not None
        if not exists:
            passwords[person.email] = secrets.token_urlsafe(12)
            create_user(session, org, person.email, passwords[person.email], person.roles)
        elif check_password(session, person.email, passwords.get(person.email, "")) is None:
            raise DemoError(
                f"the demo account {person.email} exists but its password is not in "
                f"{stored}: start the demo in an empty directory (or remove the "
                "registry's database and key directory)"
            )
        made.append(DemoAccount(person, org.name, passwords[person.email]))
    _store_passwords(stored, passwords)
    return tuple(made)


def accounts_text(demo: Demo, settings: Settings) -> str:
    """What ``jcstar serve --demo`` prints: the portal, whom to sign in as and where to start."""
    base_url = settings.base_url
    lines = [
        f"The portal: {base_url}/  (sign in at {base_url}/signin; 日本語 / English at the top)",
        f"Demo accounts (passwords kept in {passwords_file(settings)}, the same on every run):",
    ]
    for account in demo.accounts:
        person = account.person
        lines.append(
            f"  {person.who:<9} {person.email:<20} {account.password}  "
            f"{account.org} ({', '.join(person.roles)}); start at {base_url}{person.start}"
        )
    lines += [
        f"Demo label {demo.registration_no}: {demo.product_url}",
        f"API tokens (30 days): operator {demo.operator_token}",
        f"                      vendor   {demo.vendor_token}",
    ]
    return "\n".join(lines)


def passwords_file(settings: Settings) -> Path:
    return settings.key_dir / ACCOUNTS_FILE


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
                accounts=_people(session, vendor, passwords_file(settings)),
            )
            session.commit()
            return demo
    finally:
        engine.dispose()
