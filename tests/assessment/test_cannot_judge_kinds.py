"""A check that cannot judge says of which kind, and the kind reaches the report (issue 12,
point 1): the attempt's JSON and every renderer that shows its reason ("timed out: …"); the
requirement stays INCONCLUSIVE whatever the kind."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from jcstar.assessment.inputs import load_profile
from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.pipeline import assess
from jcstar.assessment.runner import run_check
from jcstar.checks.base import Check, CheckAttempt, CheckInput, Observation
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.tlsctx import observing_context
from jcstar.checks.network.tls import Unreachable, _handshake
from jcstar.reports import render

EXAMPLE = Path(__file__).parents[2] / "examples" / "conformant-gateway"
#: the requirement the document checks evidence (a disclosure policy, S1.1-05)
POLICY_REQUIREMENT = "S1.1-05"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback HTTP address that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


def assess_documents(
    tmp_path: Path, documents: str, timeout_s: float | None = None
) -> AssessmentReport:
    """The example product assessed with only the given ``documents:`` section."""
    profile = (EXAMPLE / "profile.yaml").read_text(encoding="utf-8")
    profile = profile.split("documents:")[0] + "documents:\n" + documents
    (tmp_path / "profile.yaml").write_text(profile, encoding="utf-8")
    loaded, digest = load_profile(tmp_path / "profile.yaml")
    answers = EXAMPLE / "answers.yaml"
    return asyncio.run(
        assess(loaded, tmp_path, inputs=[digest], answers_path=answers, timeout_s=timeout_s)
    ).report


def attempt_of(report: AssessmentReport, check: str) -> CheckAttempt:
    return next(a for a in report.attempts if a.check == check)


def verdict_of(report: AssessmentReport, requirement: str) -> str:
    return next(v.verdict for v in report.verdicts if v.requirement == requirement)


def shown_in_every_format(report: AssessmentReport, text: str) -> None:
    """``text`` (a kind and its reason) is what the Markdown, HTML and OSCAL reports show, and
    the JSON report records the kind."""
    for fmt in ("md", "html", "oscal"):
        assert text in render(report, fmt).decode("utf-8"), fmt
    dumped = AssessmentReport.model_validate_json(render(report, "json"))
    assert [a.kind for a in dumped.attempts] == [a.kind for a in report.attempts]


def test_a_closed_port_is_refused_and_inconclusive(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    report = assess_documents(tmp_path, f"  security_txt: {base}\n")
    attempt = attempt_of(report, "documents.security_txt")
    assert (attempt.status, attempt.kind) == ("error", "refused")
    assert attempt.reason.startswith(f"cannot fetch {base}/.well-known/security.txt")
    assert verdict_of(report, POLICY_REQUIREMENT) == "INCONCLUSIVE"
    shown_in_every_format(report, f"refused: cannot fetch {base}/.well-known/security.txt")


def test_a_server_that_never_answers_times_out_and_is_inconclusive(
    tmp_path: Path, silent_server: str
) -> None:
    report = assess_documents(
        tmp_path, f"  vulnerability_disclosure_policy: {silent_server}policy\n", timeout_s=0.5
    )
    attempt = attempt_of(report, "documents.vdp")
    assert (attempt.status, attempt.kind, attempt.reason) == (
        "error",
        "timed_out",
        "no result within 0.5 s",
    )
    assert verdict_of(report, POLICY_REQUIREMENT) == "INCONCLUSIVE"
    shown_in_every_format(report, "timed out: no result within 0.5 s")


def test_a_document_in_a_form_the_check_does_not_read_is_unsupported(tmp_path: Path) -> None:
    (tmp_path / "policy.md").write_text("a" * 1_100_000, encoding="utf-8")
    report = assess_documents(tmp_path, "  vulnerability_disclosure_policy: policy.md\n")
    attempt = attempt_of(report, "documents.vdp")
    assert (attempt.status, attempt.kind) == ("error", "unsupported")
    assert verdict_of(report, POLICY_REQUIREMENT) == "INCONCLUSIVE"
    shown_in_every_format(report, "unsupported: policy.md is larger than 1000000 bytes")


def test_a_policy_file_that_is_not_there_is_unreachable(tmp_path: Path) -> None:
    report = assess_documents(tmp_path, "  vulnerability_disclosure_policy: gone.md\n")
    attempt = attempt_of(report, "documents.vdp")
    assert (attempt.status, attempt.kind) == ("error", "unreachable")
    assert verdict_of(report, POLICY_REQUIREMENT) == "INCONCLUSIVE"
    shown_in_every_format(report, f"unreachable: cannot read {tmp_path / 'gone.md'}")


@pytest.mark.slow
def test_a_firmware_image_of_no_known_format_is_unsupported(tmp_path: Path) -> None:
    pytest.importorskip("unblob")
    from jcstar.assessment.runner import check_input
    from jcstar.checks.firmware.secrets import FirmwareSecretsCheck

    image = tmp_path / "image.bin"
    image.write_bytes(bytes(range(256)) * 64)  # no magic any unpacker knows
    profile = (EXAMPLE / "profile.yaml").read_text(encoding="utf-8")
    (tmp_path / "profile.yaml").write_text(profile + f"firmware:\n  image: {image}\n")
    loaded, _ = load_profile(tmp_path / "profile.yaml")
    given = check_input(loaded, tmp_path)
    attempt = asyncio.run(run_check(FirmwareSecretsCheck(), given, timeout_s=60))
    assert (attempt.status, attempt.kind) == ("error", "unsupported")
    assert attempt.reason == "image.bin: unblob found no format it knows in it"


def test_a_tls_port_that_refuses_the_connection_is_refused_not_a_fault() -> None:
    # before: an Unreachable the runner reported as "internal error in the check"
    port = closed_port()
    with pytest.raises(Unreachable) as caught:
        asyncio.run(_handshake("127.0.0.1", port, observing_context(None), 2.0, Pacer()))
    assert caught.value.kind == "refused"
    assert caught.value.reason.startswith(f"{port}/tcp: ConnectionRefusedError")


class WaitsOnSharedWork(Check):
    """A check waiting on work that something else cancels (not the run)."""

    id: ClassVar[str] = "fake.waits"
    version: ClassVar[str] = "0"
    title: ClassVar[str] = "waits"
    needs: ClassVar[tuple[str, ...]] = ()
    topics: ClassVar[tuple[str, ...]] = ("x",)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        work = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(work.cancel)
        await work
        return (Observation(topic="x", outcome="pass", message="never"),)


def test_work_cancelled_under_a_check_cuts_it_short() -> None:
    attempt = asyncio.run(run_check(WaitsOnSharedWork(), CheckInput(), None))
    assert (attempt.status, attempt.kind) == ("error", "cut_short")
    assert attempt.stated_reason == "cut short: work the check waited on was cancelled"


def test_a_run_that_is_itself_stopped_leaves_no_attempt() -> None:
    """An interrupt stops the run: no attempt is made up for it (the device runs again)."""

    async def stopped() -> None:
        task = asyncio.ensure_future(run_check(WaitsForever(), CheckInput(), None))
        await asyncio.sleep(0.05)
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(stopped())


class WaitsForever(WaitsOnSharedWork):
    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        await asyncio.Event().wait()
        return ()
