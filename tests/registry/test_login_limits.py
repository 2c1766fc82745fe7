"""Password logins resist guessing (S1.1-04's idea applied to the registry itself), and
expired sessions are deleted.

Time is moved by a frozen clock that the throttle and the sessions read; nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from jcstar.registry.accounts import service, throttle
from jcstar.registry.accounts.models import User
from jcstar.registry.accounts.service import create_user, require_org
from jcstar.registry.app import create_app
from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.settings import Settings
from tests.registry.conftest import Party

PASSWORD = "correct horse battery staple"
WRONG = "tr0ub4dor&3 guess"
EMAIL = "reviewer@operator.test"


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # argon2id still, with small costs: these tests count attempts, not the hash's strength
    # (test_accounts checks what is stored), and make many on a shared machine
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@dataclass
class Clock:
    now: dt.datetime

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(utcnow())
    for module in (service, throttle):
        monkeypatch.setattr(module, "utcnow", lambda: frozen.now)
    return frozen


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The e-mail of every login whose password was checked."""
    checked: list[str] = []
    real = service.check_password

    def spy(session: Session, email: str, password: str) -> User | None:
        checked.append(email)
        return real(session, email, password)

    monkeypatch.setattr(service, "check_password", spy)
    return checked


@pytest.fixture
def user(client: TestClient, operator: Party) -> str:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, operator.name), EMAIL, PASSWORD)
        session.commit()
    return EMAIL


def login(client: TestClient, email: str, password: str) -> Response:
    response: Response = client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    return response


def answer(response: Response) -> tuple[int, str, str | None]:
    """What a caller sees: the status, the error and how long to wait."""
    return response.status_code, response.json()["detail"], response.headers.get("retry-after")


def count_rows(client: TestClient, sql: str) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return int(session.execute(text(sql)).scalar_one())


def fail_until_refused(client: TestClient, email: str) -> list[tuple[int, str, str | None]]:
    return [answer(login(client, email, WRONG)) for _ in range(throttle.ACCOUNT_LIMIT + 1)]


def test_wrong_passwords_lead_to_429_and_the_right_one_waits_too(
    client: TestClient, user: str, clock: Clock, password_checks: list[str]
) -> None:
    answers = fail_until_refused(client, user)
    assert (
        answers[: throttle.ACCOUNT_LIMIT]
        == [(401, "unknown user or wrong password", None)] * throttle.ACCOUNT_LIMIT
    )
    assert answers[-1] == (429, "too many failed logins; try again in 30 s", "30")
    assert len(password_checks) == throttle.ACCOUNT_LIMIT  # the refused one was not checked

    right = login(client, user, PASSWORD)
    assert answer(right) == answers[-1]  # the right password tells nothing while throttled
    assert "set-cookie" not in right.headers
    assert len(password_checks) == throttle.ACCOUNT_LIMIT

    clock.advance(seconds=29)
    assert answer(login(client, user, PASSWORD))[2] == "1"
    clock.advance(seconds=1)
    assert login(client, user, PASSWORD).status_code == 200
    assert client.get("/api/v1/me").json()["kind"] == "operator"


def test_a_successful_login_resets_the_count(client: TestClient, user: str, clock: Clock) -> None:
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        assert login(client, user, WRONG).status_code == 401
    assert login(client, user, PASSWORD).status_code == 200
    # a full allowance again: the earlier failures no longer count
    answers = fail_until_refused(client, user)
    assert [status for status, _, _ in answers] == [401] * throttle.ACCOUNT_LIMIT + [429]


def test_the_delay_doubles_with_each_failure_up_to_15_minutes(
    client: TestClient, user: str, clock: Clock
) -> None:
    assert fail_until_refused(client, user)[-1][2] == "30"
    waits = []
    for _ in range(6):
        clock.advance(seconds=int(login(client, user, WRONG).headers["retry-after"]))
        assert login(client, user, WRONG).status_code == 401  # one guess after each wait
        waits.append(login(client, user, WRONG).headers["retry-after"])
    assert waits == ["60", "120", "240", "480", "900", "900"]


def test_an_unknown_email_gets_the_same_answers_as_a_known_one(
    client: TestClient, user: str, clock: Clock
) -> None:
    known = fail_until_refused(client, user)
    unknown = fail_until_refused(client, "nobody@operator.test")
    assert unknown == known
    # the count belongs to the address typed, whether or not an account has it
    assert login(client, "someone-else@operator.test", WRONG).status_code == 401


def test_failures_in_parallel_on_two_workers_all_count(
    client: TestClient, user: str, settings: Settings
) -> None:
    other_worker = create_app(settings)  # another process's app on the same database
    earlier = 2
    for _ in range(earlier):  # each worker's requests now start from a count already there
        assert login(client, user, WRONG).status_code == 401
    left = throttle.ACCOUNT_LIMIT - earlier
    attempts = left + 3
    try:
        with TestClient(other_worker, base_url="https://testserver") as second:
            workers = [client, second] * attempts
            with ThreadPoolExecutor(attempts) as pool:
                statuses = sorted(
                    pool.map(lambda n: login(workers[n], user, WRONG).status_code, range(attempts))
                )
            assert login(second, user, PASSWORD).status_code == 429
    finally:
        other_worker.state.engine.dispose()
    # each attempt was counted before its password was checked: none beyond the limit got in
    assert statuses == [401] * left + [429] * 3


def test_one_address_guessing_many_accounts_is_refused(
    client: TestClient, user: str, clock: Clock
) -> None:
    for n in range(throttle.ADDRESS_LIMIT):
        assert login(client, f"guess{n}@operator.test", WRONG).status_code == 401
    assert answer(login(client, user, PASSWORD)) == (
        429,
        "too many failed logins; try again in 30 s",
        "30",
    )
    elsewhere = TestClient(client.app, base_url="https://testserver", client=("127.0.0.2", 50000))
    assert login(elsewhere, user, PASSWORD).status_code == 200  # the account itself is not held


def test_an_expired_session_is_refused_and_deleted(
    client: TestClient, user: str, clock: Clock, settings: Settings
) -> None:
    assert login(client, user, PASSWORD).status_code == 200
    clock.advance(hours=settings.session_hours)
    assert client.get("/api/v1/me").status_code == 401
    assert count_rows(client, "SELECT count(*) FROM login_sessions") == 0


def test_a_login_sweeps_expired_sessions(
    client: TestClient, user: str, clock: Clock, make_party: Callable[..., Party]
) -> None:
    vendor = make_party("Example Vendor", "vendor")
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, vendor.name), "dev@vendor.test", PASSWORD)
        session.commit()
    for email in (user, user, "dev@vendor.test"):
        assert login(client, email, PASSWORD).status_code == 200
    clock.advance(hours=13)
    assert login(client, user, PASSWORD).status_code == 200
    # only the new session is left: the user's two old ones and the other user's are gone
    assert count_rows(client, "SELECT count(*) FROM login_sessions") == 1
    assert client.get("/api/v1/me").json()["kind"] == "operator"


def test_a_success_between_guesses_does_not_reset_the_address_count(
    client: TestClient, user: str, clock: Clock
) -> None:
    # password spraying from one address, with a login to the attacker's own account after
    # every 19 failures: the successes prove that account's password, nothing about the rest
    answers = []
    for round_ in range(3):
        for n in range(throttle.ADDRESS_LIMIT - 1):
            answers.append(login(client, f"victim{round_}-{n}@operator.test", WRONG).status_code)
        answers.append(login(client, user, PASSWORD).status_code)
    assert answers[: throttle.ADDRESS_LIMIT] == [401] * (throttle.ADDRESS_LIMIT - 1) + [200]
    assert 429 in answers
    # the 20th failure from the address set the delay; the next attempt waits
    first_refusal = answers.index(429)
    failures_before = answers[:first_refusal].count(401)
    assert failures_before == throttle.ADDRESS_LIMIT
    assert answer(login(client, "one-more@operator.test", WRONG))[0] == 429


def test_forwarded_for_is_read_only_from_a_trusted_proxy(
    settings: Settings, user: str, clock: Clock
) -> None:
    from dataclasses import replace

    app = create_app(replace(settings, trusted_proxies=("10.0.0.0/8",)))
    try:
        via_proxy = TestClient(app, base_url="https://testserver", client=("10.1.2.3", 40000))
        direct = TestClient(app, base_url="https://testserver", client=("192.0.2.7", 40000))

        def from_(client: TestClient, forwarded: str, email: str) -> int:
            response = client.post(
                "/api/v1/auth/login",
                json={"email": email, "password": WRONG},
                headers={"X-Forwarded-For": forwarded},
            )
            return response.status_code

        # behind the proxy: the client it names is counted (its own left-most claim is not)
        statuses = [
            from_(via_proxy, f"198.51.100.{n}, 203.0.113.9", f"a{n}@operator.test")
            for n in range(throttle.ADDRESS_LIMIT + 1)
        ]
        assert statuses[-1] == 429
        assert from_(via_proxy, "203.0.113.10", "b@operator.test") == 401  # another client
        # not a proxy: a new header value on each request is the same client all along
        statuses = [
            from_(direct, f"198.51.100.{n}", f"c{n}@operator.test")
            for n in range(throttle.ADDRESS_LIMIT + 1)
        ]
        assert statuses[-1] == 429
    finally:
        app.state.engine.dispose()
