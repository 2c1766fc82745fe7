"""Protection against brute force on network logins (S1.1-04).

A bounded, paced burst of wrong passwords per login surface. Protection shows as
refusal or rate limiting (attempts start failing to connect), a growing delay,
a message about too many attempts, or a lockout: a credential known to work is
refused after the burst. The burst is small (at most 20) and stops by itself, so
a real user is never locked out for long.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import statistics
from typing import Any, ClassVar

from jcstar.checks.base import CheckInput, Observation
from jcstar.checks.network.default_creds import default_credential_trials
from jcstar.checks.network.device import TARGET, DeviceParams, device_params, pacer
from jcstar.checks.network.logins import LoginResult
from jcstar.checks.network.surfaces import Surface, login_surfaces, login_target

PACE_S = 0.05
_LIMIT_WORDS = re.compile(r"too many|locked|lockout|try again later|rate|blocked|429", re.I)


def growing_delay(times: list[float]) -> bool:
    if len(times) < 6:
        return False
    first, last = statistics.mean(times[:3]), statistics.mean(times[-3:])
    return last > 2 * first + 0.5


_REFUSAL = re.compile(
    r"refused|reset|timed out|closed|EOF|disconnect|ConnectError|connection attempts failed", re.I
)


def judge(
    burst: list[LoginResult], after: LoginResult | None, answered_before: bool = False
) -> tuple[str, str]:
    """(verdict, why) where verdict is protected, unprotected, unknown or untestable.

    ``answered_before``: the surface answered earlier in this run, so a refusal from
    the first attempt on is the device limiting us, not a dead service.
    """
    if not burst:
        return "untestable", "no attempt made"
    if burst[0].outcome == "error":
        if answered_before and _REFUSAL.search(burst[0].detail):
            return "protected", f"refused after the earlier checks' logins: {burst[0].detail}"
        return "untestable", burst[0].detail
    if any(r.outcome == "accepted" for r in burst):
        return "untestable", "a random password was accepted: the surface does not check it"
    refused = [r for r in burst if r.outcome == "error"]
    if refused:
        return "protected", f"refused after {burst.index(refused[0])} attempts: {refused[0].detail}"
    worded = [r for r in burst if _LIMIT_WORDS.search(r.detail)]
    if worded:
        return "protected", f"the device reports a limit: {worded[0].detail}"
    times = [r.elapsed_s for r in burst]
    if growing_delay(times):
        return "protected", f"responses slowed from {times[0]:.2f} s to {times[-1]:.2f} s"
    if after is not None and after.outcome == "rejected":
        return "protected", "a working credential was refused after the burst (lockout)"
    if after is not None and after.outcome == "error":
        return (
            "protected",
            f"the device refused a working credential after the burst: {after.detail}",
        )
    if after is None:
        return "unknown", (
            f"{len(burst)} wrong passwords all refused at an even pace "
            f"({min(times):.2f}-{max(times):.2f} s); no working credential to test for a lockout"
        )
    return "unprotected", (
        f"{len(burst)} wrong passwords refused at an even pace "
        f"({min(times):.2f}-{max(times):.2f} s) and a working login still succeeded"
    )


async def known_credential(
    given: CheckInput, device: DeviceParams, surface: Surface
) -> tuple[str, str] | None:
    """A credential that works: from the profile, else a default the device accepted."""
    given_cred = device.credential_for(login_target(surface).service) or device.credential_for(
        surface.service.name
    )
    if given_cred:
        return given_cred.username, given_cred.password
    for trial in await default_credential_trials(given):
        if trial.surface == surface.name and trial.accepted:
            return trial.accepted
    return None


async def burst(given: CheckInput, surface: Surface) -> dict[str, Any]:
    device = device_params(given)
    login = login_target(surface)
    working = await known_credential(given, device, surface)
    username = working[0] if working else "admin"
    results: list[LoginResult] = []
    for _ in range(device.burst):
        await pacer(given).wait()
        result = await login.try_login(
            device.address, surface.service.port, username, "jcstar-" + secrets.token_hex(6),
            device.login_timeout_s,
        )  # fmt: skip
        results.append(result)
        if result.outcome == "error" and len(results) > 1:
            break  # refusal is the answer; do not keep knocking
        await asyncio.sleep(PACE_S)
    after = None
    if working and results and results[0].outcome != "error":
        after = await login.try_login(
            device.address, surface.service.port, working[0], working[1], device.login_timeout_s
        )
    verdict, why = judge(results, after, answered_before=surface.asks_for_credentials)
    return {
        "surface": surface.name,
        "verdict": verdict,
        "why": why,
        "attempts": len(results),
        "seconds": [r.elapsed_s for r in results],
    }


class BruteForceCheck:
    id: ClassVar[str] = "network.bruteforce"
    version: ClassVar[str] = "1.0"
    title: ClassVar[str] = "A bounded burst of failed logins meets protection"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("bruteforce",)
    sequence: ClassVar[int] = 60  # last: it may lock the account the other checks use
    budget_s: ClassVar[float] = 900

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device_params(given)
        surfaces = [s for s in await login_surfaces(given) if s.asks_for_credentials]
        if not surfaces:
            return (
                Observation(
                    topic="bruteforce", outcome="info", message="no network login surface found"
                ),
            )
        outcomes = [await burst(given, s) for s in surfaces]
        details = {"surfaces": outcomes}
        lines = "; ".join(f"{o['surface']}: {o['why']}" for o in outcomes)
        kinds = {o["verdict"] for o in outcomes}
        if "unprotected" in kinds:
            return (
                Observation(
                    topic="bruteforce",
                    outcome="fail",
                    message=f"no brute-force protection: {lines}",
                    details=details,
                ),
            )
        if kinds == {"untestable"}:
            raise RuntimeError(f"brute-force burst could not run: {lines}")
        if kinds == {"protected"}:
            return (
                Observation(
                    topic="bruteforce",
                    outcome="pass",
                    message=f"protection seen on every login surface: {lines}",
                    conclusive=True,  # ★1 evaluates S1.1-04 by testing the device
                    details=details,
                ),
            )
        return (
            Observation(
                topic="bruteforce",
                outcome="info",
                message=f"protection not shown on every surface: {lines}",
                details=details,
            ),
        )
