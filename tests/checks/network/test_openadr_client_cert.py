"""network.openadr_client_cert against TLS servers started on 127.0.0.1: mutual TLS
required, optional, absent; not TLS; silent; nothing there."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jcstar.checks.network.openadr_client_cert import OpenAdrClientCertCheck
from tests.checks.network.sector_helpers import HOST, attempt, closed_port, verdict_of
from tests.lab import power_responders as responders
from tests.lab.probing import probe_in


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed server certificate for 127.0.0.1 (also the CA clients must chain to)."""
    folder = tmp_path_factory.mktemp("openadr")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vtn.lab")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def _context(
    cert_files: tuple[str, str], verify: ssl.VerifyMode, tls12: bool = False
) -> ssl.SSLContext:
    cert, key = cert_files
    context = responders.https_context(cert, key, cert if verify != ssl.CERT_NONE else None)
    context.verify_mode = verify
    if tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


def _check_server(handler, context=None, **params: object):
    async def go():
        server = await asyncio.start_server(handler, HOST, 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        try:
            return await attempt(
                OpenAdrClientCertCheck(), {"ports": (port,), **params}, device_timeout_s=1.0
            )
        finally:
            server.close()

    return asyncio.run(go())


@pytest.mark.parametrize("tls12", [False, True], ids=["tls1.3", "tls1.2"])
def test_an_endpoint_that_requires_a_client_certificate_is_evidence_for_s1_1_01(cert_files, tls12):
    result = _check_server(responders.openadr, _context(cert_files, ssl.CERT_REQUIRED, tls12))
    (obs,) = result.observations
    assert obs.outcome == "pass" and obs.details["certificate_requested"]
    assert "requires a client certificate" in obs.message
    assert verdict_of("erab-gateway", (result,), "S1.1-01").verdict != "NOT_MET"


def test_an_openadr_endpoint_without_client_certificates_fails_s1_1_01(cert_files):
    result = _check_server(responders.openadr, _context(cert_files, ssl.CERT_NONE))
    (obs,) = result.observations
    assert obs.outcome == "fail" and obs.details["http_status"] == 405
    assert "answers a client without a certificate" in obs.message
    assert verdict_of("erab-gateway", (result,), "S1.1-01").verdict == "NOT_MET"


def test_a_certificate_asked_for_but_not_required_fails(cert_files):
    result = _check_server(responders.openadr, _context(cert_files, ssl.CERT_OPTIONAL))
    (obs,) = result.observations
    assert obs.outcome == "fail" and obs.details["certificate_requested"]
    assert "asks for one, but does not require it" in obs.message


def test_a_tls_server_that_is_not_openadr_is_no_finding(cert_files):
    # the same server, asked for a path it does not serve: 404, so not an OpenADR endpoint
    result = _check_server(
        responders.openadr, _context(cert_files, ssl.CERT_NONE), path="/not-openadr"
    )
    (obs,) = result.observations
    assert obs.outcome == "info" and "no OpenADR HTTPS endpoint" in obs.message
    assert verdict_of("erab-gateway", (result,), "S1.1-01").verdict != "NOT_MET"


def test_a_port_without_tls_cannot_be_judged():
    result = _check_server(responders.openadr)  # plain HTTP
    assert result.status == "error" and "no TLS handshake" in result.reason
    assert verdict_of("erab-gateway", (result,), "S1.1-01").verdict == "INCONCLUSIVE"


def test_a_silent_port_is_inconclusive_never_met():
    result = _check_server(responders.silent)
    assert result.status == "error" and "no TLS handshake in 1 s" in result.reason
    assert verdict_of("erab-gateway", (result,), "S1.1-01").verdict == "INCONCLUSIVE"


def test_nothing_listening_is_no_finding():
    result = asyncio.run(attempt(OpenAdrClientCertCheck(), {"ports": (closed_port(),)}))
    (obs,) = result.observations
    assert obs.outcome == "info" and "connection refused" in obs.message


def test_a_port_outside_the_ones_named_is_never_asked():
    result = asyncio.run(attempt(OpenAdrClientCertCheck(), {"ports": (closed_port(),)}, ports="1"))
    assert result.status == "error" and "is among the ports given to probe" in result.reason


def test_probe_of_the_lab_power_gateway_flags_its_openadr_port_without_mutual_tls(
    lab_device, tmp_path
):
    # 443 takes clients without a certificate; 8443 requires one (tests/lab/profiles_power.py)
    device = lab_device("power-gateway")
    profile = (
        "vendor: Lab\nproduct: G\nmodel_numbers: [ERAB-GW-LAB]\n"
        'product_type: erab-gateway\nfirmware_version: "1.0"\n'
    )
    _, verdicts = probe_in(device, tmp_path, profile)
    found = [
        e
        for e in verdicts["S1.1-01"]["evidence"]
        if e.get("check") == "network.openadr_client_cert"
    ]
    assert verdicts["S1.1-01"]["verdict"] == "NOT_MET"
    assert any(e["outcome"] == "fail" and e["summary"].startswith("443/tcp") for e in found)
    assert not any(e["summary"].startswith("8443/tcp") and e["outcome"] == "fail" for e in found)
