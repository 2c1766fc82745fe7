"""The checks jcstar knows, by id. Catalog bindings must name one of these."""

from __future__ import annotations

from jcstar.checks.base import Check
from jcstar.checks.documents.security_txt import SecurityTxtCheck
from jcstar.checks.documents.vdp import VulnerabilityDisclosurePolicyCheck
from jcstar.checks.firmware.accounts import FirmwareAccountsCheck
from jcstar.checks.firmware.boot_services import FirmwareBootServicesCheck
from jcstar.checks.firmware.components import FirmwareComponentsCheck
from jcstar.checks.firmware.secrets import FirmwareSecretsCheck
from jcstar.checks.firmware.update import FirmwareUpdateCheck
from jcstar.checks.network.bruteforce import BruteForceCheck
from jcstar.checks.network.default_credentials import DefaultCredentialsCheck
from jcstar.checks.network.resilience import ResilienceCheck
from jcstar.checks.network.services import ExposedServicesCheck
from jcstar.checks.network.tls import TlsCheck
from jcstar.checks.network.unauthenticated_access import UnauthenticatedAccessCheck

CHECKS: dict[str, type[Check]] = {
    check.id: check
    for check in (
        VulnerabilityDisclosurePolicyCheck,
        SecurityTxtCheck,
        ExposedServicesCheck,
        UnauthenticatedAccessCheck,
        TlsCheck,
        DefaultCredentialsCheck,
        ResilienceCheck,
        BruteForceCheck,
        FirmwareAccountsCheck,
        FirmwareSecretsCheck,
        FirmwareBootServicesCheck,
        FirmwareUpdateCheck,
        FirmwareComponentsCheck,
    )
}


def get_check(check_id: str) -> Check:
    try:
        return CHECKS[check_id]()
    except KeyError:
        raise KeyError(f"unknown check {check_id!r}") from None
