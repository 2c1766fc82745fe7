"""Session-scoped pytest fixtures that start the lab devices (see README.md here).

tests/conftest.py makes them available to every test with:

    from tests.lab.fixtures import hardened_device, lab_device, vulnerable_device  # noqa: F401

Without root, or with a package missing, the fixtures skip with the reason; with
``JCSTAR_STRICT=1`` (CI) they fail instead.

tests/lab/test_lab.py also loads this module with ``pytest_plugins``, so pytest may meet it
already imported; it has no asserts to rewrite (PYTEST_DONT_REWRITE).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pytest

from tests.lab.device import LabDevice, LabUnavailable


def lab_unavailable(message: str) -> None:
    """Skip locally, fail in CI (JCSTAR_STRICT=1), like conftest.require_tool."""
    if os.environ.get("JCSTAR_STRICT") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_lab(profile: str) -> None:
    """Skip (or fail under JCSTAR_STRICT) unless this machine can run ``profile``: a test
    that starts a LabDevice itself calls this first."""
    if os.geteuid() != 0:
        lab_unavailable(
            f"device lab ({profile}) needs root: network namespaces, chroot and bind mounts"
        )
    try:
        LabDevice(profile).preflight()
    except LabUnavailable as exc:
        lab_unavailable(f"device lab ({profile}): {exc}")


def started_device(profile: str) -> Iterator[LabDevice]:
    """Start a LabDevice, yield it, and always tear it down."""
    require_lab(profile)
    device = LabDevice(profile)
    try:
        device.start()
    except LabUnavailable as exc:
        lab_unavailable(f"device lab ({profile}): {exc}")
    try:
        yield device
    finally:
        device.stop()


@pytest.fixture(scope="session")
def vulnerable_device() -> Iterator[LabDevice]:
    """Telnet root/xc3511, SSH admin/admin, HTTP Basic in plaintext, TLS 1.0, anonymous MQTT."""
    yield from started_device("vulnerable")


@pytest.fixture(scope="session")
def hardened_device() -> Iterator[LabDevice]:
    """SSH + HTTPS (TLS 1.2+) + MQTT over TLS, random passwords, per-source rate limits."""
    yield from started_device("hardened")


@pytest.fixture(scope="session")
def lab_device() -> Iterator[Callable[[str], LabDevice]]:
    """``lab_device("mqtt-only")``: the session's device of that profile, started on first
    use (any profile registered in device.py or a ``profiles_*.py`` beside it), all torn down
    at the end of the session. Skips (or fails under JCSTAR_STRICT) like the fixtures above."""
    started: dict[str, LabDevice] = {}
    with contextlib.ExitStack() as stack:

        def get(profile: str) -> LabDevice:
            if profile not in started:
                run = started_device(profile)
                started[profile] = next(run)
                stack.callback(run.close)
            return started[profile]

        yield get
