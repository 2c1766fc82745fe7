"""Known default credentials on every login surface (S1.1-02).

A success is a failure of the device, with the credential as evidence (these are
public defaults, not secrets). Attempts are paced and bounded per surface.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar

from jcstar.checks.base import CheckInput, Observation
from jcstar.checks.network.credentials import for_service
from jcstar.checks.network.device import TARGET, device_params, pacer
from jcstar.checks.network.surfaces import Surface, login_surfaces, login_target

#: pause between attempts on one surface, so a real device is not flooded
PACE_S = 0.05
#: after this many errors in a row the surface is refusing us; stop trying it
MAX_ERRORS_IN_A_ROW = 3


@dataclass
class SurfaceTrial:
    surface: str
    tried: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    accepted: tuple[str, str] | None = None
    stopped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "surface": self.surface,
            "tried": self.tried,
            "rejected": self.rejected,
            "errors": self.errors[:5],
            "accepted": list(self.accepted) if self.accepted else None,
            "stopped": self.stopped,
        }


async def try_defaults(given: CheckInput, surface: Surface) -> SurfaceTrial:
    device = device_params(given)
    login = login_target(surface)
    family = "http" if login.service.startswith("http") else login.service
    trial = SurfaceTrial(surface.name)
    in_a_row = 0
    for credential in for_service(family, device.max_defaults):
        await pacer(given).wait()
        result = await login.try_login(
            device.address, surface.service.port, credential.username, credential.password,
            device.login_timeout_s,
        )  # fmt: skip
        trial.tried += 1
        if result.outcome == "accepted":
            trial.accepted = (credential.username, credential.password)
            break
        if result.outcome == "rejected":
            trial.rejected += 1
            in_a_row = 0
        else:
            trial.errors.append(result.detail)
            in_a_row += 1
            if in_a_row >= MAX_ERRORS_IN_A_ROW:
                trial.stopped = f"stopped after {in_a_row} errors in a row: {result.detail}"
                break
        await asyncio.sleep(PACE_S)
    return trial


async def default_credential_trials(given: CheckInput) -> list[SurfaceTrial]:
    async def run() -> list[SurfaceTrial]:
        surfaces = [s for s in await login_surfaces(given) if s.asks_for_credentials]
        return [await try_defaults(given, s) for s in surfaces]

    return await given.shared.once("network.default_credentials", run)


class DefaultCredentialsCheck:
    id: ClassVar[str] = "network.default_credentials"
    version: ClassVar[str] = "1.0"
    title: ClassVar[str] = "Known default credentials on every login surface"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("default_credentials",)
    sequence: ClassVar[int] = 40
    budget_s: ClassVar[float] = 1200

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device_params(given)
        trials = await default_credential_trials(given)
        details = {"surfaces": [t.as_dict() for t in trials]}
        hits = [t for t in trials if t.accepted]
        if hits:
            found = "; ".join(
                f"{t.surface} accepts {t.accepted[0]}/{t.accepted[1] or '(empty)'}"
                for t in hits
                if t.accepted
            )
            return (
                Observation(
                    topic="default_credentials",
                    outcome="fail",
                    message=f"default credential accepted: {found}",
                    details=details,
                ),
            )
        if not trials:
            return (
                Observation(
                    topic="default_credentials",
                    outcome="info",
                    message="no login surface that asks for credentials was found",
                    details=details,
                ),
            )
        untested = [t for t in trials if t.rejected == 0]
        if untested:
            raise RuntimeError(
                "could not test default credentials on "
                + "; ".join(f"{t.surface}: {t.stopped or 'no attempt completed'}" for t in untested)
            )
        summary = ", ".join(f"{t.surface} refused {t.rejected}/{t.tried}" for t in trials)
        partial = [t for t in trials if t.stopped]
        note = f" (cut short: {'; '.join(t.stopped for t in partial)})" if partial else ""
        return (
            Observation(
                topic="default_credentials",
                outcome="pass",
                message=f"no known default credential accepted: {summary}{note}",
                details=details,
            ),
        )
