"""The checks jcstar knows, by id. Catalog bindings must name one of these.

The registry is data: each id names the class that implements it, in the module named after
the id (``network.tls`` -> ``jcstar.checks.network.tls``). A check's module is imported the
first time the check is asked for, so a run (or a command's ``--help``) imports only the checks
it uses: assessing from documents needs neither the probe nor the firmware extra.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from jcstar.checks.base import Check

#: check id -> the name of its class in ``jcstar.checks.<id>``
CHECK_CLASSES: dict[str, str] = {
    "documents.vdp": "VulnerabilityDisclosurePolicyCheck",
    "documents.security_txt": "SecurityTxtCheck",
    "network.services": "ExposedServicesCheck",
    "network.unauthenticated_access": "UnauthenticatedAccessCheck",
    "network.tls": "TlsCheck",
    "network.default_credentials": "DefaultCredentialsCheck",
    "network.resilience": "ResilienceCheck",
    "network.bruteforce": "BruteForceCheck",
    "firmware.accounts": "FirmwareAccountsCheck",
    "firmware.secrets": "FirmwareSecretsCheck",
    "firmware.boot_services": "FirmwareBootServicesCheck",
    "firmware.update": "FirmwareUpdateCheck",
    "firmware.components": "FirmwareComponentsCheck",
}


def check_module(check_id: str) -> str:
    return f"jcstar.checks.{check_id}"


class LazyChecks(Mapping[str, type[Check]]):
    """Check classes by id, each imported on first use. Iterating lists the ids without
    importing anything; reading a value imports that one check (a missing extra surfaces
    here as the ModuleNotFoundError the CLI turns into one line)."""

    def __init__(self, classes: Mapping[str, str]) -> None:
        self._classes = dict(classes)
        self._loaded: dict[str, type[Check]] = {}

    def __getitem__(self, check_id: str) -> type[Check]:
        loaded = self._loaded.get(check_id)
        if loaded is not None:
            return loaded
        class_name = self._classes[check_id]  # KeyError: not a check we know
        found = getattr(importlib.import_module(check_module(check_id)), class_name)
        if not (isinstance(found, type) and issubclass(found, Check) and found.id == check_id):
            raise TypeError(f"{check_module(check_id)}.{class_name} is not the check {check_id}")
        self._loaded[check_id] = found
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)


CHECKS: Mapping[str, type[Check]] = LazyChecks(CHECK_CLASSES)


def get_check(check_id: str) -> Check:
    try:
        check = CHECKS[check_id]
    except KeyError:
        raise KeyError(f"unknown check {check_id!r}") from None
    return check()
