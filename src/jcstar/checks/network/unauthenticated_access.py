"""Access without authentication (S1.1-01): shells, web pages, brokers that let anyone in."""

from __future__ import annotations

from typing import ClassVar

import httpx

from jcstar.checks.base import CannotJudge, Check, CheckInput, Observation
from jcstar.checks.network.collect.device import TARGET, device_params
from jcstar.checks.network.collect.logins.http import _client, _request
from jcstar.checks.network.collect.scan import Service
from jcstar.checks.network.collect.surfaces import Surface, login_surfaces
from jcstar.checks.network.collect.web_pages import WEB_SERVICES, base_url


async def settings_page(
    host: str, service: Service, timeout_s: float, path: str = "/"
) -> str | None:
    """What on an open web page shows or changes settings or secrets (a settings form, a
    Wi-Fi key), or None for a page without them. Judged by the page's structure (its
    forms and fields), not by words such as "admin" or "firmware" on it."""
    try:
        async with _client(timeout_s) as client:
            page = await _request(client, "GET", base_url(host, service) + path)
    except httpx.HTTPError:
        return None
    if not 200 <= page.status < 300:
        return None
    found = page.parsed.settings_evidence()
    return "; ".join(found[:3]) if found else None


async def truly_open(given: CheckInput, surfaces: list[Surface]) -> tuple[list[str], list[str]]:
    """(open surfaces that give settings or data, open web pages that look public)."""
    device = device_params(given)
    exposed, public = [], []
    for surface in surfaces:
        line = f"{surface.name}: {surface.open_result.detail}"
        if surface.service.name not in WEB_SERVICES:
            exposed.append(line)
            continue
        path = getattr(surface.login, "path", "/")
        shown = await settings_page(device.address, surface.service, device.timeout_s, path)
        if shown:
            exposed.append(line if "gives settings" in line else f"{line} (page shows: {shown})")
        else:
            public.append(line)
    return exposed, public


class UnauthenticatedAccessCheck(Check):
    id: ClassVar[str] = "network.unauthenticated_access"
    version: ClassVar[str] = "1.3"
    data_files: ClassVar[tuple[str, ...]] = ("admin-paths.yaml", "risky-ports.yaml")
    title: ClassVar[str] = "Services that give access without any authentication"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("open_access",)
    sequence = 20
    budget_s = 300

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
            raise CannotJudge(
                "could not tell whether any service asks for authentication: "
                + "; ".join(f"{s.name}: {s.open_result.detail}" for s in unknown),
                "undetermined",  # each service's own reason is in the text; no one kind
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
