"""Where a webhook may be sent: not into the registry's own network.

A procurer names a webhook URL and the registry POSTs to it. Left unchecked, that lets anyone
with a procurer account make the registry's server call addresses only it can reach (a cloud
metadata service on 169.254.169.254, a database admin page on 10.x, the server's own
loopback): server-side request forgery. So a URL whose host is, or resolves to, a loopback,
private, link-local, multicast, reserved or unspecified address is refused when the channel is
added, and checked again before each batch is sent (a name may be re-pointed later).

Tests and a registry whose receivers sit on a private network set
``webhook_allow_private`` (``JCSTAR_WEBHOOK_ALLOW_PRIVATE=1``). Redirects are never followed
(httpx's default), so a public URL cannot bounce a delivery inward. What remains: a name that
resolves differently between the check and the connection (DNS rebinding) within one batch.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


def _inward(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _host(url: str) -> str:
    host = urlsplit(url).hostname
    if not host:
        raise ValueError("the URL names no host")
    return host


def _judge(host: str, addresses: list[str]) -> str | None:
    inward = sorted({a for a in addresses if _inward(a)})
    if inward:
        return f"webhook host {host} is an internal address ({', '.join(inward)}); not allowed"
    return None


def refusal(url: str, allow_private: bool) -> str | None:
    """Why the registry will not send to ``url`` (one line), or None. Resolves the host."""
    if allow_private:
        return None
    try:
        host = _host(url)
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (ValueError, OSError) as exc:
        return f"webhook URL {url!r}: cannot resolve its host ({exc})"
    return _judge(host, [str(info[4][0]) for info in infos])


async def refusal_async(url: str, allow_private: bool) -> str | None:
    """``refusal`` without blocking the delivery worker's event loop."""
    if allow_private:
        return None
    try:
        host = _host(url)
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (ValueError, OSError) as exc:
        return f"cannot resolve the webhook's host ({exc})"
    return _judge(host, [str(info[4][0]) for info in infos])
