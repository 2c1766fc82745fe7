"""What a login probe says when a connection fails: a plain reason a report can show, for
every failure a probe can meet, never a crash of the probe itself."""

from __future__ import annotations

import ssl

from jcstar.checks.network.collect.logins.base import describe_error


def test_a_tls_error_made_without_a_reason_is_described_not_raised() -> None:
    # ssl.SSLError raised by Python code (not by OpenSSL) has no ``reason`` attribute
    assert describe_error(ssl.SSLError("handshake failed")) == (
        "TLS handshake failed (no reason given)"
    )


def test_a_tls_error_from_openssl_names_its_reason() -> None:
    error = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    error.reason = "WRONG_VERSION_NUMBER"
    assert describe_error(error) == "TLS handshake failed (WRONG_VERSION_NUMBER)"
