"""The registry walkthrough from the README, through real processes.

A vendor assesses the example product, applies with the report, the scheme operator approves,
and anyone verifies the issued label's QR code offline (against the published keys) and online
(against its current status). Then the label is suspended and revoked, forged and tampered
labels are refused, and a tampered transparency log is caught by the client's own recomputation.

Each registry is ``jcstar serve`` started here on 127.0.0.1 (SQLite in a temp directory, and
PostgreSQL too when ``JCSTAR_TEST_DATABASE_URL`` is set) and stopped by its process id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from jcstar.client.log_chain import check_chain
from jcstar.labels import Keyring, LabelClaims
from jcstar.labels.qr import parse_qr_text, qr_text
from tests.conftest import CONFORMANT, NONCONFORMANT

VENDOR = "Example Energy Systems K.K."
OPERATOR = "JC-STAR Scheme Office"
STARTUP_S = 60.0
JCSTAR = (sys.executable, "-m", "jcstar")


# -- running the jcstar command and the registry --------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, object]:
        data = json.loads(self.out)
        assert isinstance(data, dict)
        return data


def jcstar(*args: str | Path, cwd: Path) -> Run:
    """``jcstar ARGS`` as a user types it, in its own process (no JCSTAR_* from the caller)."""
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    done = subprocess.run(
        [*JCSTAR, *map(str, args)],
        cwd=cwd,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Registry:
    url: str
    database_url: str
    workdir: Path
    key_dir: Path
    vendor_token: str
    operator_token: str

    def admin(self, *args: str) -> Run:
        return jcstar("admin", *args, "--database-url", self.database_url, cwd=self.workdir)

    def as_vendor(self, *args: str | Path) -> Run:
        return jcstar(*args, "--registry", self.url, "--token", self.vendor_token, cwd=self.workdir)

    def as_operator(self, *args: str | Path) -> Run:
        return jcstar(
            *args, "--registry", self.url, "--token", self.operator_token, cwd=self.workdir
        )

    def public(self, *args: str | Path) -> Run:
        return jcstar(*args, cwd=self.workdir)


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll the OpenAPI document until the server answers (or has died)."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jcstar serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"jcstar serve did not answer on {url} within {STARTUP_S:.0f} s")


def postgres_base_url() -> str:
    url = os.environ.get("JCSTAR_TEST_DATABASE_URL")
    if url:
        return url
    message = "JCSTAR_TEST_DATABASE_URL is not set (.ci/setup-postgres.sh sets it)"
    if os.environ.get("JCSTAR_STRICT") == "1":
        pytest.fail(message)
    pytest.skip(message)


def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """The URL of an empty database of this kind, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'registry.db'}"
        return
    # a schema of its own, so the tamper test cannot break another test's log
    base = postgres_base_url()
    schema = f"cli_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_registry(kind: str, workdir: Path) -> Iterator[Registry]:
    """``jcstar serve`` on a free loopback port with a fresh database, with a vendor and an
    operator organisation and a token for each; stopped by its pid afterwards."""
    for database_url in fresh_database(kind, workdir):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        key_dir = workdir / "keys"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")},
            "JCSTAR_KEY_DIR": str(key_dir),
            "JCSTAR_BASE_URL": url,
        }
        log = (workdir / "serve.log").open("wb")
        serve = [
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database-url",
            database_url,
        ]
        process = subprocess.Popen(
            [*JCSTAR, *serve],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(url, process)
            registry = Registry(url, database_url, workdir, key_dir, "", "")
            identity = [
                *("--legal-name-ja", "エグザンプル・エナジー・システムズ株式会社"),
                *("--legal-name-en", VENDOR, "--corporate-number", "8000000000001"),
            ]
            created = registry.admin("create-org", VENDOR, "--kind", "vendor", *identity)
            assert created.code == 0, created.err
            created = registry.admin("create-org", OPERATOR, "--kind", "operator")
            assert created.code == 0, created.err
            registry.vendor_token = token_for(registry, VENDOR)
            registry.operator_token = token_for(registry, OPERATOR)
            yield registry
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def token_for(registry: Registry, org: str) -> str:
    made = registry.admin("create-token", "--org", org)
    assert made.code == 0, made.err
    return made.out.strip().splitlines()[-1]


DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=DATABASES)
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    yield from start_registry(request.param, tmp_path_factory.mktemp(f"registry-{request.param}"))


@pytest.fixture(params=DATABASES)
def own_registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    """A registry for one test alone (for tests that damage it)."""
    yield from start_registry(request.param, tmp_path)


# -- the vendor's and operator's steps ------------------------------------------------------


def assessed_report(registry: Registry, example: Path, name: str) -> Path:
    """``jcstar assess`` an example product to a JSON report."""
    report = registry.workdir / f"{name}.json"
    if not report.exists():
        registry.public(
            "assess", example / "profile.yaml", "--answers", example / "answers.yaml", "-o", report
        )
    assert report.exists()
    return report


def issue_label(registry: Registry) -> dict[str, object]:
    """Apply with the conformant example as the vendor, approve as the operator."""
    report = assessed_report(registry, CONFORMANT, "gateway-report")
    checklist = registry.workdir / "checklist.xlsx"
    if not checklist.exists():
        rendered = registry.public("report", "render", report, "--format", "xlsx", "-o", checklist)
        assert rendered.code == 0, rendered.err
    applied = registry.as_vendor(
        "apply", report, "--model", "HG-100", "--model", "HG-100W", "--document", checklist
    )
    assert applied.code == 0, applied.err
    application = applied.json()
    assert application["state"] == "submitted"
    accept_and_pay(registry, str(application["id"]))
    approved = registry.as_operator("review", "approve", str(application["id"]))
    assert approved.code == 0, approved.err
    return approved.json()


def accept_and_pay(registry: Registry, app_id: str) -> None:
    """The operator accepts (acceptance number, fee invoiced) and records the fee paid."""
    accepted = registry.as_operator("review", "accept", app_id)
    assert accepted.code == 0, accepted.err
    paid = registry.as_operator("review", "fee-paid", app_id, "--reference", "TRF-1")
    assert paid.code == 0, paid.err


def verify(registry: Registry, label: str | Path, *trust: str | Path) -> tuple[int, Any]:
    """``jcstar label verify`` with JSON output: the exit code and the verdict."""
    run = registry.public("label", "verify", label, *trust, "--format", "json")
    assert run.code in (0, 1), run.err
    return run.code, run.json()


def published_jwks(registry: Registry) -> Path:
    """The registry's public keys saved to a file, as a verifier in the field would keep them."""
    path = registry.workdir / "jwks.json"
    path.write_text(httpx.get(f"{registry.url}/.well-known/jwks.json", timeout=10).text)
    return path


# -- the walkthrough ------------------------------------------------------------------------


@pytest.mark.network
@pytest.mark.slow
def test_vendor_applies_operator_approves_anyone_verifies(registry: Registry) -> None:
    label = issue_label(registry)
    registration_no = str(label["registration_no"])
    qr = str(label["qr"])
    assert registration_no.startswith("JC1-")
    # a new label's QR code is its compact seal behind the registry's short link
    assert qr.startswith(f"{registry.url}/L/")

    shown = registry.public("label", "show", registration_no, "--registry", registry.url)
    assert shown.code == 0, shown.err
    public = shown.json()
    assert public["status"] == "valid"
    assert public["model_numbers"] == ["HG-100", "HG-100W"]

    # offline: the published keys in a file, no registry needed
    jwks = published_jwks(registry)
    offline = registry.public("label", "verify", qr, "--jwks", jwks)
    assert offline.code == 0, offline.err
    assert "INVALID" not in offline.out and registration_no in offline.out
    assert "not checked (offline)" in offline.out  # it cannot know of a suspension

    # offline with the keys fetched once from a URL
    code, by_url = verify(registry, qr, "--jwks", f"{registry.url}/.well-known/jwks.json")
    assert code == 0
    assert by_url["claims"]["registration_no"] == registration_no

    # online: the registry's keys and its current status
    code, online = verify(registry, qr, "--registry", registry.url)
    assert code == 0
    assert online["status"] == "valid"

    # from the printed label: the registry's label artwork (PNG) with its QR code
    image = registry.workdir / f"{registration_no}.png"
    artwork = httpx.get(f"{registry.url}/api/v1/labels/{registration_no}/label.png", timeout=30)
    assert artwork.status_code == 200
    image.write_bytes(artwork.content)
    code, from_image = verify(registry, image, "--jwks", jwks)
    assert code == 0
    assert from_image["claims"]["registration_no"] == registration_no


@pytest.mark.network
@pytest.mark.slow
def test_suspended_then_revoked_label_fails_online_but_not_offline(registry: Registry) -> None:
    label = issue_label(registry)
    registration_no, qr = str(label["registration_no"]), str(label["qr"])
    jwks = published_jwks(registry)

    suspended = registry.as_operator(
        "label", "suspend", registration_no, "--reason", "firmware flaw under investigation"
    )
    assert suspended.code == 0, suspended.err
    assert suspended.json()["status"] == "suspended"

    code, online = verify(registry, qr, "--registry", registry.url)
    assert code == 1
    assert online["status"] == "suspended"
    assert "firmware flaw under investigation" in str(online["reason"])
    # offline cannot know: the signature still holds, and the verdict says status is unchecked
    code, offline = verify(registry, qr, "--jwks", jwks)
    assert code == 0
    assert offline["status"] is None
    assert "cannot know whether the label was suspended or revoked" in str(offline["reason"])

    revoked = registry.as_operator(
        "label", "revoke", registration_no, "--reason", "vendor withdrew the product"
    )
    assert revoked.code == 0, revoked.err
    code, online = verify(registry, qr, "--registry", registry.url)
    assert code == 1
    assert online["status"] == "revoked"
    assert "vendor withdrew the product" in str(online["reason"])


@pytest.mark.network
@pytest.mark.slow
def test_forged_tampered_and_expired_labels_are_refused(registry: Registry) -> None:
    label = issue_label(registry)
    # the JWS form (every label still carries it) for tampering with its parts
    qr = f"{label['product_url']}#{label['jws']}"
    jwks = published_jwks(registry)
    url, token = parse_qr_text(qr)
    claims = LabelClaims.from_payload(base64.urlsafe_b64decode(token.split(".")[1] + "=="))

    # forged: the same claims signed with a key the registry never published
    forger = Keyring.load_or_create(registry.workdir / "forger-keys")
    code, forged = verify(registry, qr_text(url, forger.sign(claims)), "--jwks", jwks)
    assert code == 1
    assert "not among the trusted keys" in str(forged["reason"])

    # tampered: one character of the signed payload changed
    head, payload, signature = token.split(".")
    middle = len(payload) // 2
    swapped = "A" if payload[middle] != "A" else "B"
    altered = f"{url}#{head}.{payload[:middle]}{swapped}{payload[middle + 1 :]}.{signature}"
    code, tampered = verify(registry, altered, "--jwks", jwks)
    assert code == 1
    assert "altered or forged" in str(tampered["reason"])

    # expired: genuinely signed by the registry's own key, but its validity has passed
    issued = date.today() - timedelta(days=800)
    old = claims.model_copy(update={"issued_on": issued, "expires_on": issued + timedelta(700)})
    expired_qr = qr_text(url, Keyring.load_or_create(registry.key_dir).sign(old))
    code, expired = verify(registry, expired_qr, "--registry", registry.url)
    assert code == 1
    assert "expired on" in str(expired["reason"])


@pytest.mark.network
@pytest.mark.slow
def test_registry_refuses_a_non_conformant_report_naming_the_requirement(
    registry: Registry,
) -> None:
    report = assessed_report(registry, NONCONFORMANT, "monitor-report")
    # the registry's vendor as its maker (only the maker may apply; its id is unaffected)
    data = json.loads(report.read_text("utf-8"))
    data["product"]["vendor"] = VENDOR
    report.write_text(json.dumps(data), "utf-8")
    refused = registry.as_vendor("apply", report)
    assert refused.code == 1
    assert "S1.1-" in refused.err  # the server's reason names the requirement
    assert "422" in refused.err


@pytest.mark.network
@pytest.mark.slow
def test_wrong_role_unknown_ids_and_bad_input_have_distinct_exit_codes(
    registry: Registry,
) -> None:
    report = assessed_report(registry, CONFORMANT, "gateway-report")
    applied = registry.as_vendor("apply", report)
    assert applied.code == 0, applied.err
    app_id = str(applied.json()["id"])

    # a vendor cannot approve its own application: refused for its role (403 → exit 4)
    self_approval = registry.as_vendor("review", "approve", app_id)
    assert self_approval.code == 4
    assert "403" in self_approval.err
    # an unknown token (401 → exit 4)
    stranger = jcstar(
        "review",
        "accept",
        app_id,
        "--registry",
        registry.url,
        "--token",
        "not-a-token",
        cwd=registry.workdir,
    )
    assert stranger.code == 4
    # an unknown application (404 → exit 2)
    unknown = registry.as_operator("review", "accept", "999999")
    assert unknown.code == 2
    assert "404" in unknown.err
    # a file that is not a report is refused here, before anything is sent
    not_a_report = registry.workdir / "notes.json"
    not_a_report.write_text("{not json")
    malformed = registry.as_vendor("apply", not_a_report)
    assert malformed.code == 2
    assert "not a JSON report" in malformed.err
    # reject needs a reason, checked before anything is sent
    no_reason = registry.as_operator("review", "reject", app_id)
    assert no_reason.code == 2
    assert "--reason" in no_reason.err
    # a step the application's state no longer allows (409 → exit 2)
    accept_and_pay(registry, app_id)
    assert registry.as_operator("review", "approve", app_id).code == 0
    twice = registry.as_operator("review", "approve", app_id)
    assert twice.code == 2
    assert "409" in twice.err
    # verify with no trusted keys at all is a usage error, never a check against the label's own
    no_keys = registry.public("label", "verify", "https://example.invalid/p/X#a.b.c")
    assert no_keys.code == 2
    # not a label
    garbage = registry.public("label", "verify", "hello", "--registry", registry.url)
    assert garbage.code == 2
    assert "not a label" in garbage.err


@pytest.mark.network
@pytest.mark.slow
def test_log_verify_recomputes_the_chain_and_finds_a_tampered_entry(
    own_registry: Registry,
) -> None:
    registry = own_registry
    # log entries 1-3: the application accepted, paid, approved; 4: the label issued
    registration_no = str(issue_label(registry)["registration_no"])
    first = registry.public("log", "verify", "--registry", registry.url, "--format", "json")
    assert first.code == 0, first.err
    head_then = str(first.json()["head"])  # a verifier keeps the head it saw
    for action, reason in (("suspend", "firmware flaw CVE-2026-0001"), ("reinstate", "fixed")):
        changed = registry.as_operator("label", action, registration_no, "--reason", reason)
        assert changed.code == 0, changed.err  # log entries 5 and 6
    intact = registry.public("log", "verify", "--registry", registry.url, "--head", head_then)
    assert intact.code == 0, intact.err
    assert "log intact: 6 entries" in intact.out
    # a head this registry never had (as after a rewrite of its whole history) is missing
    unknown_head = registry.public("log", "verify", "--registry", registry.url, "--head", "f" * 64)
    assert unknown_head.code == 1
    assert "not in the chain" in unknown_head.out

    # someone who owns the database lifts its append-only guard and rewrites why the label
    # was suspended; only the hash chain can tell
    engine = sa.create_engine(registry.database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            guards = conn.execute(
                sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                    " AND tbl_name = 'log_entries'"
                )
            ).scalars()
            for guard in list(guards):
                conn.execute(sa.text(f'DROP TRIGGER "{guard}"'))
        else:
            conn.execute(sa.text("ALTER TABLE log_entries DISABLE TRIGGER USER"))
        conn.execute(
            sa.text(
                "UPDATE log_entries SET payload = REPLACE(payload, 'CVE-2026-0001', 'a typo')"
                " WHERE seq = 5"
            )
        )
    engine.dispose()

    broken = registry.public("log", "verify", "--registry", registry.url)
    assert broken.code == 1
    assert "log broken: seq 5: payload does not match" in broken.out


# -- the client's own chain check, without a server ------------------------------------------


def logged(entries: list[tuple[str, str, dict[str, object]]]) -> list[dict[str, object]]:
    """A log as the published rule builds it (docs/registry-api.md), for the checker to read."""

    def digest(data: object) -> str:
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    chain, prev = [], "0" * 64
    for seq, (kind, subject, payload) in enumerate(entries, start=1):
        entry: dict[str, object] = {
            "seq": seq,
            "at": f"2026-11-26T00:00:0{seq}Z",
            "kind": kind,
            "subject": subject,
            "payload_sha256": digest(payload),
            "prev_hash": prev,
        }
        entry["hash"] = prev = digest(entry)
        chain.append({**entry, "payload": payload})
    return chain


LOG = [
    ("label.issued", "JC1-2026-000001", {"status": "valid", "reason": None}),
    ("label.suspended", "JC1-2026-000001", {"status": "suspended", "reason": "flaw"}),
    ("label.issued", "JC1-2026-000002", {"status": "valid", "reason": "初回"}),
]


def test_chain_check_accepts_an_intact_log_and_names_the_first_altered_entry() -> None:
    intact = check_chain(logged(LOG))
    assert intact.ok and intact.entries == 3

    reworded = logged(LOG)
    reworded[1]["payload"] = {"status": "suspended", "reason": "nothing happened"}
    assert check_chain(reworded).first_bad_seq == 2

    resubjected = logged(LOG)
    resubjected[2]["subject"] = "JC1-2026-999999"
    assert check_chain(resubjected).first_bad_seq == 3

    dropped = logged(LOG)
    del dropped[1]
    result = check_chain(dropped)
    assert not result.ok and result.first_bad_seq == 3
    assert "missing" in (result.problem or "")


@pytest.mark.network
@pytest.mark.slow
def test_acceptance_fee_and_claim_check_through_the_cli(registry: Registry) -> None:
    report = assessed_report(registry, CONFORMANT, "gateway-report")
    applied = registry.as_vendor("apply", report, "--model", "CLAIM-7")
    assert applied.code == 0, applied.err
    app_id = str(applied.json()["id"])
    # submitted is not accepted: a marketplace sees the claim is not backed (exit 1)
    unbacked = registry.public("registry", "check-claim", "claim-7", "--registry", registry.url)
    assert unbacked.code == 1, unbacked.err
    assert unbacked.json()["accepted"] is False and "NOT BACKED" in unbacked.err

    accepted = registry.as_operator("review", "accept", app_id)
    assert accepted.code == 0, accepted.err
    number = accepted.json()["acceptance_no"]
    assert f"acceptance number {number}, fee ¥198,000 invoiced" in accepted.err
    backed = registry.public("registry", "check-claim", "CLAIM-7", "--registry", registry.url)
    assert backed.code == 0, backed.err
    assert backed.json()["matches"][0]["acceptance_no"] == number
    assert f"accepted application {number}" in backed.err

    # review waits for the fee (409 → exit 2, naming the acceptance number)
    early = registry.as_operator("review", "start", app_id)
    assert early.code == 2 and number in early.err
    no_reference = registry.as_operator("review", "fee-paid", app_id)
    assert no_reference.code == 2 and "--reference" in no_reference.err
    paid = registry.as_operator("review", "fee-paid", app_id, "--reference", "TRF-9")
    assert paid.code == 0, paid.err
    assert paid.json()["fee_reference"] == "TRF-9" and "fee ¥198,000 paid" in paid.err
    label = registry.as_operator("review", "approve", app_id)
    assert label.code == 0, label.err
    registration_no = label.json()["registration_no"]

    # renewal is an application with a current report, not a re-signing
    resign = registry.as_operator("label", "renew", registration_no)
    assert resign.code == 2 and f"--renews {registration_no}" in resign.err
    early_renewal = registry.as_vendor(
        "apply", report, "--model", "CLAIM-7", "--renews", registration_no
    )
    assert early_renewal.code == 2
    assert f"renewal of label {registration_no} opens on" in early_renewal.err
