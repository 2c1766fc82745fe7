"""The checks jcstar knows, by id. Catalog bindings must name one of these.

The registry is data: each id names the class that implements it, in the module named after
the id (``network.tls`` -> ``jcstar.checks.network.tls``). A check's module is imported the
first time the check is asked for, so a run (or a command's ``--help``) imports only the checks
it uses: assessing from documents needs neither the probe nor the firmware extra.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import NamedTuple

from jcstar.checks.base import DEVICE, FIRMWARE_IMAGE, SBOM, Check


class Registered(NamedTuple):
    """A check as the registry knows it without importing it."""

    #: the name of its class in ``jcstar.checks.<id>``
    class_name: str
    #: the targets it reads, the same as the class's ``needs``
    #: (``tests/checks/test_check_contract.py`` ties them): a plan skips a check whose
    #: targets are all absent without importing it, so a documents-only assessment needs
    #: neither the probe nor the firmware extra
    needs: tuple[str, ...]


#: check id -> its class and the targets it reads
CHECK_CLASSES: dict[str, Registered] = {
    "documents.vdp": Registered(
        "VulnerabilityDisclosurePolicyCheck", ("vulnerability_disclosure_policy", "security_txt")
    ),
    "documents.security_txt": Registered("SecurityTxtCheck", ("security_txt",)),
    "network.services": Registered("ExposedServicesCheck", (DEVICE,)),
    "network.unauthenticated_access": Registered("UnauthenticatedAccessCheck", (DEVICE,)),
    "network.tls": Registered("TlsCheck", (DEVICE,)),
    "network.default_credentials": Registered("DefaultCredentialsCheck", (DEVICE,)),
    "network.resilience": Registered("ResilienceCheck", (DEVICE,)),
    "network.bruteforce": Registered("BruteForceCheck", (DEVICE,)),
    "network.sector_protocols": Registered("SectorProtocolsCheck", (DEVICE,)),
    "network.openadr_client_cert": Registered("OpenAdrClientCertCheck", (DEVICE,)),
    "firmware.accounts": Registered("FirmwareAccountsCheck", (FIRMWARE_IMAGE,)),
    "firmware.secrets": Registered("FirmwareSecretsCheck", (FIRMWARE_IMAGE,)),
    "firmware.boot_services": Registered("FirmwareBootServicesCheck", (FIRMWARE_IMAGE,)),
    "firmware.update": Registered("FirmwareUpdateCheck", (FIRMWARE_IMAGE,)),
    "firmware.components": Registered("FirmwareComponentsCheck", (FIRMWARE_IMAGE,)),
    "sbom.components": Registered("SbomComponentsCheck", (SBOM,)),
}


def declared_needs(check_id: str) -> tuple[str, ...]:
    """The targets check ``check_id`` reads, without importing it (KeyError: unknown id)."""
    return CHECK_CLASSES[check_id].needs


@cache
def _recorded_versions() -> dict[str, str]:
    try:
        text = (resources.files("jcstar.checks") / "versions.lock.json").read_text("utf-8")
    except OSError:  # an install without the lock: every check is imported to be asked
        return {}
    return {check_id: str(r["version"]) for check_id, r in json.loads(text)["checks"].items()}


def recorded_version(check_id: str) -> str | None:
    """The version ``versions.lock.json`` records for a check, read without importing it
    (``tests/checks/test_provenance.py`` holds it equal to the class's); None: not recorded."""
    return _recorded_versions().get(check_id)


def check_module(check_id: str) -> str:
    return f"jcstar.checks.{check_id}"


class LazyChecks(Mapping[str, type[Check]]):
    """Check classes by id, each imported on first use. Iterating lists the ids without
    importing anything; reading a value imports that one check (a missing extra surfaces
    here as the ModuleNotFoundError the CLI turns into one line)."""

    def __init__(self, classes: Mapping[str, Registered]) -> None:
        self._classes = dict(classes)
        self._loaded: dict[str, type[Check]] = {}

    def __getitem__(self, check_id: str) -> type[Check]:
        loaded = self._loaded.get(check_id)
        if loaded is not None:
            return loaded
        class_name = self._classes[check_id].class_name  # KeyError: not a check we know
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
