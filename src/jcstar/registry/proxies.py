"""The client's address: the connection's own, unless it comes from a trusted reverse proxy.

``X-Forwarded-For`` is a header anyone can send. Only when the connection comes from an
address in the ``trusted_proxies`` setting (none by default) is it read, and then the client
is the right-most address in it that is not itself a trusted proxy (the left-most entries are
whatever the client chose to send). The login throttle counts failures per client address,
so a header that could pick the address would give an attacker a fresh count per request.

``jcstar serve`` turns uvicorn's own reading of these headers off (it trusts 127.0.0.1 by
default), so that this setting alone decides.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``10.0.0.1``, ``10.0.0.0/8``, ``::1``; raises ValueError naming a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {value!r} is not an IP address or network") from None
    return tuple(networks)


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str]) -> None:
        self.app = app
        self.networks = parse_networks(trusted_proxies)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if (
            self.networks
            and scope["type"] in ("http", "websocket")
            and client
            and self._trusted(client[0])
        ):
            forwarded = ",".join(Headers(scope=scope).getlist("x-forwarded-for"))
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            for hop in reversed(hops):
                if not self._trusted(hop):
                    scope = {**scope, "client": (hop, 0)}
                    break
        await self.app(scope, receive, send)
