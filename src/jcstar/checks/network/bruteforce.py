"""Protection against brute force on network logins (S1.1-04).

A bounded, paced burst of wrong passwords per login surface. Protection shows as
rate limiting (an HTTP 429, an MQTT "server busy", an SSH "too many authentication
failures", a message about too many attempts), as new connections refused mid-burst by a
service that answers a fresh probe again a little later, as a growing delay, or as a
lockout: a credential known to work is refused after the burst. A service that stops
answering (timeouts) or never comes back has crashed or stalled under the burst: that is
no evidence of protection, and the check cannot conclude. The burst is small (at most 20)
and stops by itself, so a real user is never locked out for long.

A surface the check cannot conclude on is named with the kind of what stopped it
(``collect/login_errors.py``): ``refused`` for a service that hung up or stopped taking
connections and never came back, ``timed_out`` for one that stalled, ``unsupported`` for a
TLS handshake or a dialogue the probe cannot judge; the attempt is INCONCLUSIVE with that
kind. A limit or a lockout the device announces stays what it is here: the evidence of
protection this check looks for.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import statistics
from dataclasses import dataclass
from typing import Any, ClassVar

from jcstar.checks.base import CannotJudge, CannotJudgeKind, Check, CheckInput, Observation
from jcstar.checks.network.collect.device import TARGET, DeviceParams, device_params, pacer
from jcstar.checks.network.collect.limits import LIMITED, retry_after_s
from jcstar.checks.network.collect.login_errors import first_kind, login_error_kind
from jcstar.checks.network.collect.logins import LoginResult
from jcstar.checks.network.collect.surfaces import Surface, login_surfaces, login_target
from jcstar.checks.network.default_credentials import default_credential_trials

PACE_S = 0.05
#: how long a surface that refused connections mid-burst may take to answer again before
#: we call it gone (a crash or a long block) rather than a rate limit
RECOVERY_MAX_S = 60.0
#: a connection-level refusal: a limit or a dead service, told apart by whether it comes back
_REFUSED = re.compile(
    r"refused|reset|closed|EOF|disconnect|ConnectError|connection attempts failed|"
    r"RemoteProtocolError|ReadError|WriteError|BrokenPipe|Connect call failed",
    re.I,
)
_STALLED = re.compile(r"timed out|timeout", re.I)


def growing_delay(times: list[float]) -> bool:
    if len(times) < 6:
        return False
    first, last = statistics.mean(times[:3]), statistics.mean(times[-3:])
    return last > 2 * first + 0.5


def error_kind(detail: str) -> str:
    """limited (the device says it limits us), refused (connections refused or dropped),
    stalled (no answer in time) or other."""
    if LIMITED.search(detail):
        return "limited"
    if _STALLED.search(detail):
        return "stalled"
    if _REFUSED.search(detail):
        return "refused"
    return "other"


def untestable_kind(burst: list[LoginResult], after: LoginResult | None) -> CannotJudgeKind:
    """Why a surface ``judge`` called untestable could not be judged: the kind of the error
    that stopped it; a burst never made is ``cut_short``, a random password accepted
    ``undetermined`` (the surface checks no password, so a limit cannot show)."""
    if not burst:
        return "cut_short"
    if any(r.outcome == "accepted" for r in burst):
        return "undetermined"
    errors = [r for r in (*burst, *([after] if after else [])) if r.outcome == "error"]
    return login_error_kind(errors[0].detail) if errors else "undetermined"


@dataclass(frozen=True)
class Recovery:
    """Whether a surface that stopped taking connections answered a fresh probe again."""

    back: bool
    waited_s: float
    detail: str


def judge(
    burst: list[LoginResult],
    after: LoginResult | None,
    answered_before: bool = False,
    recovery: Recovery | None = None,
) -> tuple[str, str]:
    """(verdict, why) where verdict is protected, unprotected, unknown or untestable.

    ``answered_before``: the surface answered earlier in this run, so a refusal from
    the first attempt on may be the device limiting us, not a dead service.
    ``recovery``: after connections were refused, whether a fresh probe was answered
    again. A refusal is protection only when the service comes back; one that never
    does, or that stops answering (timeouts), is untestable: a crash or a stall under
    the burst is not shown protection.
    """
    if not burst:
        return "untestable", "no attempt made"
    if any(r.outcome == "accepted" for r in burst):
        return "untestable", "a random password was accepted: the surface does not check it"
    limited = [r for r in (*burst, *([after] if after else [])) if LIMITED.search(r.detail)]
    if limited:
        where = burst.index(limited[0]) if limited[0] in burst else len(burst)
        when = f"after {where} attempts" if where else "from the first attempt of the burst"
        return "protected", f"the device limited login attempts {when}: {limited[0].detail}"
    errors = [r for r in burst if r.outcome == "error"]
    if errors:
        first = errors[0]
        index = burst.index(first)
        kind = error_kind(first.detail)
        when = f"after {index} attempts" if index else "from the first attempt of the burst"
        if kind == "refused" and (index > 0 or answered_before):
            if recovery is not None and recovery.back:
                return "protected", (
                    f"new connections refused {when} ({first.detail}) and "
                    f"answered again {recovery.waited_s:.0f} s later: a limit, not a crash"
                )
            waited = f" within {recovery.waited_s:.0f} s" if recovery else ""
            return "untestable", (
                f"stopped taking connections {when} ({first.detail}) and did "
                f"not answer again{waited}: a crash or a long block, cannot tell"
            )
        if kind == "stalled":
            return "untestable", (
                f"stopped answering after {index} attempts ({first.detail}): "
                "a stall under the burst is not shown protection"
            )
        return "untestable", f"error after {index} attempts: {first.detail}"
    times = [r.elapsed_s for r in burst]
    if growing_delay(times):
        return "protected", f"responses slowed from {times[0]:.2f} s to {times[-1]:.2f} s"
    if after is not None and after.outcome == "rejected":
        return "protected", "a working credential was refused after the burst (lockout)"
    if after is not None and after.outcome == "error":
        if error_kind(after.detail) == "refused" and recovery is not None and recovery.back:
            return "protected", (
                f"the device refused a working credential after the burst ({after.detail}) "
                f"and answered again {recovery.waited_s:.0f} s later"
            )
        return "untestable", (
            f"a working credential after the burst ended in an error: {after.detail}"
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


async def comes_back(
    given: CheckInput, device: DeviceParams, surface: Surface, hint_s: float | None = None
) -> Recovery:
    """Probe the surface afresh (no credentials) with growing pauses, up to
    RECOVERY_MAX_S: a service that answers again was limiting us; one that does not is
    gone (crashed, or blocking us for longer than we wait)."""
    waited, pause = 0.0, max(1.0, min(hint_s or 2.0, 10.0))
    last = "no probe made"
    while waited < RECOVERY_MAX_S:
        await asyncio.sleep(pause)
        waited += pause
        await pacer(given).wait()
        probe = await surface.login.open_without_credentials(
            device.address, surface.service.port, device.login_timeout_s
        )
        if probe.outcome != "error" or error_kind(probe.detail) == "limited":
            return Recovery(True, waited, probe.detail)
        last = probe.detail
        waited += probe.elapsed_s
        pause = min(pause * 2, 15.0)
    return Recovery(False, waited, last)


@dataclass
class Burst:
    """The attempts on one surface, before they are judged."""

    surface: Surface
    results: list[LoginResult]
    after: LoginResult | None


async def burst(given: CheckInput, surface: Surface) -> Burst:
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
        if result.outcome == "error":
            break  # a refusal or a limit is the answer; do not keep knocking
        await asyncio.sleep(PACE_S)
    after = None
    if working and results and results[-1].outcome != "error":
        after = await login.try_login(
            device.address, surface.service.port, working[0], working[1], device.login_timeout_s
        )
    return Burst(surface, results, after)


async def settle(given: CheckInput, tried: Burst) -> dict[str, Any]:
    """Judge one surface's burst; a surface that refused connections is probed afresh
    first, to tell a limit (it answers again) from a crash (it does not). Done after every
    surface's burst, so the wait for one does not refill another's connection budget."""
    device = device_params(given)
    surface, results, after = tried.surface, tried.results, tried.after
    recovery = None
    last_error = next((r for r in [*results, *([after] if after else [])][::-1]
                       if r.outcome == "error"), None)  # fmt: skip
    if last_error is not None and error_kind(last_error.detail) == "refused":
        recovery = await comes_back(given, device, surface, retry_after_s(last_error.detail))
    verdict, why = judge(results, after, surface.asks_for_credentials, recovery)
    kind = untestable_kind(results, after) if verdict == "untestable" else None
    return {
        "surface": surface.name,
        "verdict": verdict,
        "why": why,
        "kind": kind,
        "attempts": len(results),
        "seconds": [r.elapsed_s for r in results],
        "came_back": None if recovery is None else recovery.back,
    }


class BruteForceCheck(Check):
    id: ClassVar[str] = "network.bruteforce"
    version: ClassVar[str] = "1.4"
    data_files: ClassVar[tuple[str, ...]] = (
        "admin-paths.yaml",
        "default-credentials.yaml",
        "risky-ports.yaml",
    )
    title: ClassVar[str] = "A bounded burst of failed logins meets protection"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("bruteforce",)
    sequence = 60  # last: it may lock the account the other checks use
    budget_s = 900

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device_params(given)
        asking = [s for s in await login_surfaces(given) if s.asks_for_credentials]
        surfaces = [s for s in asking if s.takes_passwords]
        # public keys only: nothing to guess, so no burst; said, never counted as protection
        keys_only = [f"{s.name}: {s.open_result.detail}" for s in asking if not s.takes_passwords]
        if not surfaces:
            message = (
                "no password login surface to test: " + "; ".join(keys_only)
                if keys_only
                else "no network login surface found"
            )
            return (Observation(topic="bruteforce", outcome="info", message=message),)
        tried = [await burst(given, s) for s in surfaces]
        outcomes = [await settle(given, t) for t in tried]
        details = {"surfaces": outcomes, "keys_only": keys_only}
        lines = "; ".join([*(f"{o['surface']}: {o['why']}" for o in outcomes), *keys_only])
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
        if "untestable" in kinds:
            # a surface that crashed, stalled or vanished under the burst shows no protection
            stopped = [o for o in outcomes if o["verdict"] == "untestable"]
            why = "; ".join(f"{o['surface']}: {o['kind'].replace('_', ' ')}" for o in stopped)
            raise CannotJudge(
                f"brute-force burst could not show protection ({why}): {lines}",
                first_kind([o["kind"] for o in stopped]),
            )
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
