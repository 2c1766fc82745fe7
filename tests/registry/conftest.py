"""Registry fixtures: a fresh database per test (SQLite always; PostgreSQL too when
``JCSTAR_TEST_DATABASE_URL`` is set, each test in a schema of its own), the app, and
organisations with tokens."""

from __future__ import annotations

import copy
import email
import email.message
import email.policy
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from jcstar.assessment.decision import parse_report, reevaluate
from jcstar.assessment.models import Summary
from jcstar.assessment.report import overall
from jcstar.assessment.service import assess_files
from jcstar.catalog.loader import load_catalog
from jcstar.registry.accounts.service import (
    Identity,
    corporate_check_digit,
    create_org,
    create_token,
    require_org,
)
from jcstar.registry.app import create_app
from jcstar.registry.db import lock_for_write
from jcstar.registry.settings import Settings
from tests.conftest import CONFORMANT

BASE_URL = "https://registry.test"
PG_ENV = "JCSTAR_TEST_DATABASE_URL"


def _postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    message = f"{PG_ENV} is not set (.ci/setup-postgres.sh sets it)"
    if os.environ.get("JCSTAR_STRICT") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty registry database at the newest migration, made once a session: each test's
    SQLite database starts as a copy (running every migration per test cost ~0.1 s each, over
    a minute of the suite)."""
    from jcstar.registry import migrate
    from jcstar.registry.db import make_engine

    path = tmp_path_factory.mktemp("template") / "registry.db"
    engine = make_engine(f"sqlite:///{path}")  # the registry's own: its SQL functions too
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path, migrated_sqlite: Path) -> Settings:
    fresh = tmp_path / "registry.db"
    if database_url == f"sqlite:///{fresh}" and not fresh.exists():
        shutil.copyfile(migrated_sqlite, fresh)
    return Settings(
        database_url=database_url,
        key_dir=tmp_path / "keys",
        base_url=BASE_URL,
        max_upload_bytes=64 * 1024,
        # a change shows in the next snapshot at once (the rebuild window has its own test)
        snapshot_min_rebuild_seconds=0,
        # the tests' webhook receivers listen on 127.0.0.1 (the refusal has its own tests)
        webhook_allow_private=True,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
    app.state.engine.dispose()


@dataclass(frozen=True)
class Party:
    """An organisation as one of its tokens acts for it (holding ``roles``; ``None``: every
    role of its kind, as ``create_token`` gives by default)."""

    name: str
    kind: str
    token: str
    roles: tuple[str, ...] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeParty = Callable[..., Party]
MakeMember = Callable[..., Party]


def corporate_number(seq: int) -> str:
    """A valid 13-digit corporate number (法人番号) made from ``seq``: its check digit first."""
    base = f"{seq:012d}"
    return f"{corporate_check_digit(base)}{base}"


def identity_for(name: str, seq: int) -> Identity:
    """A Japanese vendor's identity whose legal names are ``name``."""
    return Identity(
        legal_name_en=name, legal_name_ja=name, country="JP", corporate_number=corporate_number(seq)
    )


def _newest_token_id(session: Session) -> int:
    return int(session.execute(text("SELECT max(id) FROM api_tokens")).scalar_one())


@pytest.fixture
def make_party(client: TestClient) -> MakeParty:
    """An organisation of a kind, with a token (expired when ``expires_days`` is negative);
    a vendor with a recorded identity (its name as legal name, a corporate number of its own)
    unless ``identity`` is False."""
    made = [0]

    def make(
        name: str,
        kind: str,
        expires_days: int = 30,
        identity: bool = True,
        roles: tuple[str, ...] | None = None,
    ) -> Party:
        made[0] += 1
        with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            lock_for_write(session)
            who = identity_for(name, 1000 + made[0]) if identity and kind == "vendor" else None
            org = create_org(session, name, kind, who)
            token = create_token(session, org, max(expires_days, 1), roles)
            if expires_days < 0:
                session.execute(
                    text("UPDATE api_tokens SET created_at = :at, expires_at = :at WHERE id = :id"),
                    {"at": "2020-01-01 00:00:00", "id": _newest_token_id(session)},
                )
            session.commit()
        return Party(name, kind, token, roles)

    return make


@pytest.fixture
def make_member(client: TestClient) -> MakeMember:
    """Another token of an existing organisation, holding only ``roles``: a second person
    (or machine) inside it, e.g. an operator reviewer beside an approver."""

    def make(org: Party, *roles: str) -> Party:
        with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            lock_for_write(session)
            token = create_token(session, require_org(session, org.name), 30, roles)
            session.commit()
        return Party(org.name, org.kind, token, roles)

    return make


@pytest.fixture
def vendor(make_party: MakeParty) -> Party:
    return make_party("Example Energy Systems K.K.", "vendor")


@pytest.fixture
def operator(make_party: MakeParty) -> Party:
    return make_party("JC-STAR Operator", "operator")


@pytest.fixture(scope="session")
def example_report_data() -> dict[str, Any]:
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")
    assert report.overall == "CONFORMANT"
    return report.model_dump(mode="json")


@pytest.fixture
def report(example_report_data: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of the conformant example's report, for a test to change."""
    return copy.deepcopy(example_report_data)


def rederived(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the verdicts, summary and overall its own evidence gives (what jcstar
    assess writes), after a test changed the evidence (answers, attempts, facts)."""
    verdicts = reevaluate(parse_report(data), load_catalog())
    data["verdicts"] = [v.model_dump(mode="json") for v in verdicts]
    summary = Summary.model_validate(dict(Counter(v.verdict for v in verdicts)))
    data["summary"] = summary.model_dump(mode="json")
    data["overall"] = overall(verdicts)
    return data


def with_answer(report: dict[str, Any], requirement: str, **answer: Any) -> dict[str, Any]:
    """The report as assessed had the vendor answered ``requirement`` so (fields replaced)."""
    data = copy.deepcopy(report)
    data["answers"][requirement] = {**data["answers"].get(requirement, {}), **answer}
    return rederived(data)


def made_by(report: dict[str, Any], vendor: str) -> dict[str, Any]:
    """The report as if ``vendor`` had assessed its own product (only the maker may apply)."""
    return {**report, "product": {**report["product"], "vendor": vendor}}


def apply(
    client: TestClient, vendor: Party, report: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """Apply as ``vendor`` with ``report`` made its own (see ``made_by``)."""
    response = client.post(
        "/api/v1/applications",
        json={"report": made_by(report, vendor.name), **extra},
        headers=vendor.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def submit(client: TestClient, vendor: Party, app_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def approve(client: TestClient, operator: Party, app_id: int) -> dict[str, Any]:
    """Approve as the operator; a submitted application is accepted and its fee recorded paid
    first (the registry approves nothing straight from ``submitted``)."""
    if application_state(client, operator, app_id) == "submitted":
        accept_and_pay(client, operator, app_id)
    response = client.post(f"/api/v1/applications/{app_id}/approve", headers=operator.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def issue_label(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> dict[str, Any]:
    app = apply(client, vendor, report)
    submit(client, vendor, app["id"])
    return approve(client, operator, app["id"])


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a ``jcstar serve`` the test started, by its process id: Ctrl-C, then kill."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def application_state(client: TestClient, party: Party, app_id: int) -> str:
    response = client.get(f"/api/v1/applications/{app_id}", headers=party.headers)
    assert response.status_code == 200, response.text
    state: str = response.json()["state"]
    return state


def accept_and_pay(
    client: TestClient, operator: Party, app_id: int, reference: str = "TRANSFER-0001"
) -> dict[str, Any]:
    """Accept a submitted application (acceptance number, fee invoiced) and record the fee
    paid, as the operator: what review and approval wait for."""
    path = f"/api/v1/applications/{app_id}"
    accepted = client.post(f"{path}/accept", headers=operator.headers)
    assert accepted.status_code == 200, accepted.text
    if accepted.json()["fee_paid_at"]:  # accepted again after a return: paid the first time
        data: dict[str, Any] = accepted.json()
        return data
    paid = client.post(f"{path}/fee-paid", json={"reference": reference}, headers=operator.headers)
    assert paid.status_code == 200, paid.text
    data = paid.json()
    return data


def drop_append_only_guard(client: TestClient) -> None:
    """What someone with the database owner's rights could do before rewriting the log."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("DROP TRIGGER log_entries_no_update"))
            session.execute(text("DROP TRIGGER log_entries_no_delete"))
        else:
            session.execute(text("DROP TRIGGER log_entries_append_only ON log_entries"))
        session.commit()


# -- notification receivers (issue 13): a real HTTP receiver and a real SMTP server on loopback


@dataclass(frozen=True)
class Received:
    """One request a webhook receiver got, as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def delivery_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers 200 (or 500 to the
    first ``fail_first`` tries of each delivery id; ``always_fail``: to every try), after
    ``delay_s`` (a slow receiver keeps deliveries in flight)."""

    def __init__(self, fail_first: int = 0, delay_s: float = 0.0) -> None:
        self.fail_first = fail_first
        self.delay_s = delay_s
        self.always_fail = False
        self.received: list[Received] = []
        self.answered: list[Received] = []  # those acknowledged with 2xx
        self._lock = threading.Lock()
        self._tries: Counter[str] = Counter()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    # the sender died mid-request (a test kills the server): a real receiver
                    # cannot verify a cut body and takes nothing from it, so neither do we
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                time.sleep(receiver.delay_s)
                status = receiver._answer(got)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(self, got: Received) -> int:
        with self._lock:
            self.received.append(got)
            key = got.headers.get("webhook-id", "")
            self._tries[key] += 1
            if self.always_fail or self._tries[key] <= self.fail_first:
                return 500
            self.answered.append(got)
            return 200

    def events(self) -> list[str]:
        with self._lock:
            return [r.json["type"] for r in self.answered]

    def wait_for(self, predicate: Callable[[], bool], what: str, limit_s: float = 60) -> None:
        """Wait until ``predicate()`` holds; fail naming ``what`` after ``limit_s`` (a guard
        against hanging, not a timing assertion)."""
        deadline = time.monotonic() + limit_s
        while not predicate():
            assert time.monotonic() < deadline, f"never happened: {what}"
            time.sleep(0.05)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.Message] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
                receiver.messages.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                return "250 Message accepted for delivery"

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


# -- category profiles (issue 15): a catalog with test-only ★2 and ★3 profiles -------------------

#: the test-only profiles' criteria versions and their product category
PROFILE_CATEGORY = "home-gateway"
STAR2_SCHEME, STAR2_CRITERIA = "test-2-home-gateway", "TEST-DRAFT-2-HG-1"
STAR3_SCHEME, STAR3_CRITERIA = "test-3-home-gateway", "TEST-3-HG-1"

_TEST_PROFILES = {
    # a draft like the shipped smart-home one: ★1, two ETSI provisions, one not applicable
    "test-2-home-gateway.yaml": f"""
id: {STAR2_SCHEME}
name_en: Test STAR-2 home gateways (test-only draft)
level: 2
category: {PROFILE_CATEGORY}
base: jcstar-1
authored_by: judgement
draft: true
basis: judgement
criteria_versions:
  - {{id: {STAR2_CRITERIA}, title: test-only draft, published: "2026-12",
      effective_on: 2026-12-01, tag: I, basis: judgement}}
adds:
  - {{id: 5.1-1, from_scheme: etsi-en-303-645}}
  - {{id: 5.1-2, from_scheme: etsi-en-303-645}}
  - {{id: 5.3-16, from_scheme: etsi-en-303-645, applicability: not_applicable,
      reason: "test: the category's products carry no identifier in scope"}}
""",
    # a ★3 category whose requirements are its own (the shipped ★3 ones need an operator file)
    "test-3-home-gateway.yaml": f"""
id: {STAR3_SCHEME}
name_en: Test STAR-3 home gateways (test-only)
level: 3
category: {PROFILE_CATEGORY}
base: jcstar-1
authored_by: judgement
basis: judgement
criteria_versions:
  - {{id: {STAR3_CRITERIA}, title: test-only, published: "2026-12",
      effective_on: 2026-12-01, tag: I, basis: judgement}}
adds:
  - {{id: 5.1-1, from_scheme: etsi-en-303-645}}
""",
}


@dataclass(frozen=True)
class ProfileCatalog:
    """The shipped catalog data with the test-only profiles in place of the shipped ones (so
    the tests do not move with them), and a conformant report at ★2 and at ★3."""

    root: Path
    star2_report: dict[str, Any]
    star3_report: dict[str, Any]


def _profile_report(root: Path, workdir: Path, level: int, also_answered: list[str]) -> Any:
    """The conformant gateway example assessed at ``level`` in the test category, answering
    the ETSI provisions the profile adds from the example's ``--also`` answers."""
    import yaml

    profile = (CONFORMANT / "profile.yaml").read_text(encoding="utf-8")
    profile = profile.replace("\nlevel: 1\n", f"\nlevel: {level}\ncategory: {PROFILE_CATEGORY}\n")
    folder = workdir / f"star{level}"
    folder.mkdir()
    (folder / "profile.yaml").write_text(profile, encoding="utf-8")
    shutil.copy(CONFORMANT / "vulnerability-disclosure-policy.md", folder)
    answers = yaml.safe_load((CONFORMANT / "answers.yaml").read_text(encoding="utf-8"))
    more = yaml.safe_load((CONFORMANT / "answers-also-cls1-psti.yaml").read_text("utf-8"))
    answers["answers"].update({rid: more["answers"][rid] for rid in also_answered})
    (folder / "answers.yaml").write_text(yaml.safe_dump(answers, allow_unicode=True), "utf-8")
    report = assess_files(folder / "profile.yaml", folder / "answers.yaml")
    assert report.overall == "CONFORMANT", report.summary
    return report.model_dump(mode="json")


@pytest.fixture(scope="session")
def profile_catalog(tmp_path_factory: pytest.TempPathFactory) -> ProfileCatalog:
    from jcstar.catalog import loader

    workdir = tmp_path_factory.mktemp("profile-catalog")
    root = workdir / "data"
    shutil.copytree(loader.data_dir(), root)
    shutil.rmtree(root / "profiles", ignore_errors=True)
    (root / "profiles").mkdir()
    for name, data in _TEST_PROFILES.items():
        (root / "profiles" / name).write_text(data, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "data_dir", lambda: root)
        star2 = _profile_report(root, workdir, 2, ["5.1-1", "5.1-2"])
        star3 = _profile_report(root, workdir, 3, ["5.1-1"])
    return ProfileCatalog(root, star2, star3)


@pytest.fixture
def on_profile_catalog(
    profile_catalog: ProfileCatalog, monkeypatch: pytest.MonkeyPatch
) -> ProfileCatalog:
    """The registry (and everything else) reads the test-only profile catalog in this test;
    request it before ``client``."""
    from jcstar.catalog import loader

    monkeypatch.setattr(loader, "data_dir", lambda: profile_catalog.root)
    return profile_catalog


def publish_profile_criteria(
    client: TestClient, operator: Party, level: int, scheme: str, criteria_id: str
) -> dict[str, Any]:
    """The operator publishes a category profile's criteria version (the test profiles' are
    not seeded: only the shipped ones are, by migration 0015)."""
    body = {
        "level": level,
        "id": criteria_id,
        "title": f"{scheme} criteria",
        "published_on": "2026-12",
        "effective_on": "2026-12-01",
        "scheme": scheme,
    }
    response = client.post("/api/v1/criteria", json=body, headers=operator.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
