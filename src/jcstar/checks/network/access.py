"""Access without authentication (S1.1-01): shells, web pages, brokers that let anyone in."""

from __future__ import annotations

import re
from typing import ClassVar

import httpx

from jcstar.checks.base import CheckInput, Observation
from jcstar.checks.httpbody import read_capped
from jcstar.checks.network.device import TARGET, device_params
from jcstar.checks.network.logins import host_in_url
from jcstar.checks.network.services import Service
from jcstar.checks.network.surfaces import Surface, login_surfaces
from jcstar.checks.network.tlsctx import shared_observing_context

# words that mark a page as settings or data rather than a public landing page
_SETTINGS_WORDS = re.compile(
    r"setting|config|admin|password|wi-?fi|ssid|firmware|network|device info|"
    r"設定|管理|パスワード|ネットワーク|ファームウェア",
    re.I,
)
_PAGE_BYTES = 64 * 1024


async def settings_page(host: str, service: Service, timeout_s: float) -> str | None:
    """The settings words an open web page shows, or None for a plain landing page."""
    scheme = "https" if service.tls else "http"
    url = f"{scheme}://{host_in_url(host)}:{service.port}/"
    try:
        async with (
            httpx.AsyncClient(
                verify=shared_observing_context(), timeout=timeout_s, trust_env=False
            ) as client,
            client.stream("GET", url) as response,
        ):
            body, _ = await read_capped(response, _PAGE_BYTES)
    except httpx.HTTPError:
        return None
    found = sorted(
        {m.group(0).lower() for m in _SETTINGS_WORDS.finditer(body.decode("utf-8", "replace"))}
    )
    return ", ".join(found[:5]) if found else None


async def truly_open(given: CheckInput, surfaces: list[Surface]) -> tuple[list[str], list[str]]:
    """(open surfaces that give settings or data, open web pages that look public)."""
    device = device_params(given)
    exposed, public = [], []
    for surface in surfaces:
        line = f"{surface.name}: {surface.open_result.detail}"
        if surface.service.name not in ("http", "https"):
            exposed.append(line)
            continue
        words = await settings_page(device.address, surface.service, device.timeout_s)
        if words:
            exposed.append(f"{line} (page shows: {words})")
        else:
            public.append(line)
    return exposed, public


class UnauthenticatedAccessCheck:
    id: ClassVar[str] = "network.unauthenticated_access"
    version: ClassVar[str] = "1.0"
    title: ClassVar[str] = "Services that give access without any authentication"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("open_access",)
    sequence: ClassVar[int] = 20
    budget_s: ClassVar[float] = 300

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device_params(given)
        surfaces = await login_surfaces(given)
        open_ = [s for s in surfaces if s.open_result.outcome == "accepted"]
        exposed, public = await truly_open(given, open_)
        unknown = [s for s in surfaces if s.open_result.outcome == "error"]
        details = {
            "surfaces": [
                {
                    "surface": s.name,
                    "outcome": s.open_result.outcome,
                    "detail": s.open_result.detail,
                }
                for s in surfaces
            ]
        }
        if exposed:
            found = "; ".join(exposed)
            return (
                Observation(
                    topic="open_access",
                    outcome="fail",
                    message=f"access without authentication: {found}",
                    details=details,
                ),
            )
        if not surfaces:
            return (
                Observation(
                    topic="open_access",
                    outcome="info",
                    message="no login or data service found to test",
                    details=details,
                ),
            )
        if unknown and len(unknown) == len(surfaces):
            raise RuntimeError(
                "could not tell whether any service asks for authentication: "
                + "; ".join(f"{s.name}: {s.open_result.detail}" for s in unknown)
            )
        asked = ", ".join(s.name for s in surfaces if s.asks_for_credentials) or "none"
        note = f"; could not tell for {', '.join(s.name for s in unknown)}" if unknown else ""
        if public:
            note += f"; open pages without settings or data: {'; '.join(public)}"
        return (
            Observation(
                topic="open_access",
                outcome="pass",
                message=f"services that ask for credentials: {asked}{note}",
                details=details,
            ),
        )
