"""Does the device's OpenADR HTTPS endpoint require a client certificate? (S1.1-01)

OpenADR 2.0b authenticates both ends with TLS client certificates, and the ERAB
cybersecurity guideline (2017 revision) asks for mutual device authentication: an endpoint
that takes a client without a certificate lets anyone on the network send or read demand
response messages. For each port named as OpenADR (the ``ports`` parameter; the profile
of the product type may set them) one handshake without a certificate
(``collect/client_cert.py``):

* refused after a CertificateRequest -> pass (mutual TLS is enforced on that port);
* let in, and ``path`` (an OpenADR 2.0b service) answers anything but 404 -> fail;
* let in, but 404 -> not an OpenADR endpoint: noted, no finding;
* nothing listening -> no finding; no TLS, a timeout, unreachable -> cannot judge.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, ClassVar

from pydantic import Field

from jcstar.checks.base import CannotJudge, CannotJudgeKind, Check, CheckInput, Observation
from jcstar.checks.network.collect.client_cert import ClientCertProbe, ask_without_certificate
from jcstar.checks.network.collect.device import TARGET, device_params, pacer
from jcstar.checks.params import CheckParams

Port = Annotated[int, Field(ge=1, le=65535)]
TOPIC = "client_certificate"
#: cannot-judge states, in the order one is reported, with their kind
UNJUDGED: dict[str, CannotJudgeKind] = {
    "not_tls": "unsupported",
    "silent": "timed_out",
    "filtered": "timed_out",
    "unreachable": "unreachable",
}


class OpenAdrParams(CheckParams):
    #: the OpenADR spec fixes no port; deployments usually use 443 (jcstar-facts §6, [U])
    ports: tuple[Port, ...] = (443, 8443)
    #: an OpenADR 2.0b simple-HTTP service path (the VEN's push endpoint)
    path: str = Field(default="/OpenADR2/Simple/2.0b/EiEvent", pattern=r"^/[\x21-\x7e]*$")


def client_cert_observations(probes: list[ClientCertProbe], path: str) -> tuple[Observation, ...]:
    def observation(probe: ClientCertProbe, outcome: str, message: str) -> Observation:
        details = {"port": probe.port, "certificate_requested": probe.requested}
        if probe.status is not None:
            details["http_status"] = probe.status
        return Observation.model_validate(
            {"topic": TOPIC, "outcome": outcome, "message": message, "details": details}
        )

    found = []
    for p in probes:
        if p.state == "answered" and p.status != 404:
            optional = " (it asks for one, but does not require it)" if p.requested else ""
            found.append(
                observation(
                    p,
                    "fail",
                    f"{p.port}/tcp OpenADR endpoint answers a client without a certificate: "
                    f"{p.detail}{optional}",
                )
            )
        elif p.state == "refused":
            found.append(
                observation(p, "pass", f"{p.port}/tcp requires a client certificate: {p.detail}")
            )
    if found:
        return tuple(found)
    for state, kind in UNJUDGED.items():
        stuck = [p for p in probes if p.state == state]
        if stuck:
            lines = "; ".join(f"{p.port}/tcp: {p.detail}" for p in stuck)
            raise CannotJudge(
                f"cannot tell whether a client certificate is required: {lines}", kind
            )
    seen = "; ".join(f"{p.port}/tcp: {p.detail}" for p in probes)
    return (
        observation(
            probes[0],
            "info",
            f"no OpenADR HTTPS endpoint found ({seen}); the client-certificate question "
            "is the vendor's to answer",
        ),
    )


class OpenAdrClientCertCheck(Check):
    id: ClassVar[str] = "network.openadr_client_cert"
    version: ClassVar[str] = "1.1"
    title: ClassVar[str] = "OpenADR over HTTPS requires a client certificate"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = (TOPIC,)
    parameters: ClassVar[type[OpenAdrParams]] = OpenAdrParams
    #: read through collect/device.py (the shared port scan), though this check scans nothing
    data_files: ClassVar[tuple[str, ...]] = ("risky-ports.yaml",)
    budget_s = 60

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device = device_params(given)
        limits = OpenAdrParams.read(given)
        allowed = set(device.port_list) if device.ports else None
        ports = [p for p in limits.ports if allowed is None or p in allowed]
        if not ports:
            raise CannotJudge(
                f"none of the OpenADR ports {', '.join(map(str, limits.ports))} is among the "
                "ports given to probe",
                "unsupported",
            )
        pace = pacer(given)
        probes = await asyncio.gather(
            *(
                ask_without_certificate(device.address, p, limits.path, device.timeout_s, pace)
                for p in ports
            )
        )
        return client_cert_observations(list(probes), limits.path)
