"""The one TLS client context the network checks use: observe, never trust."""

from __future__ import annotations

import ssl
from functools import cache


def observing_context(
    version: ssl.TLSVersion | None = None, ciphers: str = "ALL:@SECLEVEL=0"
) -> ssl.SSLContext:
    """Accept any certificate; offer old protocols and weak ciphers so a device that
    accepts them can be seen to. ``version`` pins one protocol version.

    Raises ``ssl.SSLError`` or ``ValueError`` where this OpenSSL cannot offer what
    is asked (the caller reports that as untestable, not as a pass).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers(ciphers)
    if version is None:
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    else:
        context.minimum_version = version
        context.maximum_version = version
    return context


@cache
def shared_observing_context() -> ssl.SSLContext:
    """One default observing context per process: building one costs milliseconds,
    and a fleet run opens thousands of connections. Never modify it."""
    return observing_context()
