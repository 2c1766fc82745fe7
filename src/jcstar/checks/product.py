"""What the vendor says about the product that checks of any target read: the ports it
needs open and its model numbers (a network check and a firmware check judge an open
port against the same declaration, so it lives beside both, not in either)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from jcstar.checks.base import Frozen


class NeededPort(Frozen):
    """A port the product needs open, with the reason (declared in the profile)."""

    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    reason: str = Field(min_length=1)


@dataclass(frozen=True)
class ProductContext:
    needed_ports: tuple[NeededPort, ...] = ()
    model_numbers: tuple[str, ...] = ()

    def needed(self) -> dict[tuple[int, str], str]:
        """The reason each needed port is open, by (port, protocol)."""
        return {(p.port, p.protocol): p.reason for p in self.needed_ports}
