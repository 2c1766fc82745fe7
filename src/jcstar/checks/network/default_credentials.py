"""Known default credentials on every login surface (S1.1-02).

A success is a failure of the device, with the credential as evidence (these are
public defaults, not secrets). Attempts are paced and bounded per surface.

"No default accepted" is said only of a sweep that ran to its end on every surface. A
surface whose sweep stopped part way (it kept refusing, resetting or timing out, or locked
us out and kept limiting past our wait) leaves defaults untried: the attempt cannot judge,
named with the kind of what stopped it (``collect/login_errors.py``: a lock-out or a limit
is ``refused``, a stall ``timed_out``, a TLS handshake ``unsupported``), never a pass.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

from jcstar.checks.base import CannotJudge, CannotJudgeKind, Check, CheckInput, Observation
from jcstar.checks.credentials import for_service
from jcstar.checks.network.collect.device import TARGET, device_params, pacer
from jcstar.checks.network.collect.limits import RATE_LIMITED, retry_after_s
from jcstar.checks.network.collect.login_errors import first_kind, login_error_kind
from jcstar.checks.network.collect.logins import login_session
from jcstar.checks.network.collect.surfaces import Surface, login_surfaces, login_target

#: pause between attempts on one surface, so a real device is not flooded
PACE_S = 0.05
#: after this many errors in a row the surface is refusing us; stop trying it
MAX_ERRORS_IN_A_ROW = 3
#: a device that rate-limits (HTTP 429, "too many", "server busy") is waited for, not
#: counted as failing: its Retry-After, else a doubling pause, each at most this long ...
MAX_BACKOFF_S = 5.0
#: ... and at most this long in all per surface, then the sweep stops there
MAX_LIMITED_WAIT_S = 60.0


@dataclass
class SurfaceTrial:
    surface: str
    tried: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    accepted: tuple[str, str] | None = None
    stopped: str = ""
    #: answers that said the device limits us, and the seconds we waited for it
    limited: int = 0
    limited_wait_s: float = 0.0
    limited_detail: str = ""
    #: why no password was tried: the surface takes none (SSH with public keys only)
    no_password: str = ""
    #: the device kept limiting us past our wait (a lock-out): the sweep was refused
    locked_out: bool = False
    #: pairs whose attempt ended in an error twice: never answered, so never judged
    skipped: int = 0

    @property
    def unfinished(self) -> bool:
        """Defaults were left untried: the sweep stopped, or no attempt was answered."""
        if self.no_password or self.accepted:
            return False
        return bool(self.stopped) or self.rejected == 0 or self.skipped > 0

    @property
    def kind(self) -> CannotJudgeKind:
        """Why an unfinished sweep stopped (see :func:`login_error_kind`)."""
        if self.locked_out:
            return "refused"
        if self.errors:
            return login_error_kind(self.errors[-1])
        return "cut_short" if self.rejected else "undetermined"

    def as_dict(self) -> dict[str, Any]:
        return {
            "surface": self.surface,
            "tried": self.tried,
            "rejected": self.rejected,
            "errors": self.errors[:5],
            "accepted": list(self.accepted) if self.accepted else None,
            "stopped": self.stopped,
            "rate_limited": self.limited,
            "rate_limit_wait_s": round(self.limited_wait_s, 1),
            "no_password": self.no_password,
            "skipped": self.skipped,
            "kind": self.kind if self.unfinished else None,
        }


def _unfinished_why(trial: SurfaceTrial) -> str:
    if trial.skipped:
        last = trial.errors[-1] if trial.errors else "an error"
        return f"{trial.skipped} default(s) ended in an error twice and were not judged ({last})"
    return "no attempt completed"


async def try_defaults(given: CheckInput, surface: Surface) -> SurfaceTrial:
    """Known defaults in order until one is accepted, the list ends or the surface keeps
    failing. ``parallel_logins`` lanes take the next pair from one shared list, each
    over its own connection(s); pacing and the global rate apply to every attempt.

    A pair whose attempt ended in an error goes back to the front of the list once,
    and while other lanes still run, the lane that hit the error ends: a device that
    takes fewer sessions at once than we opened is then probed by fewer lanes, and no
    pair is skipped because a second session was refused.
    """
    device = device_params(given)
    login = login_target(surface)
    family = "http" if login.service.startswith("http") else login.service
    pending = deque((c.username, c.password) for c in for_service(family, device.max_defaults))
    retried: set[tuple[str, str]] = set()
    trial = SurfaceTrial(surface.name)
    if not surface.takes_passwords:
        trial.no_password = surface.open_result.detail
        return trial
    in_a_row = 0
    lanes = max(1, min(device.parallel_logins, len(pending)))

    def finished() -> bool:
        return trial.accepted is not None or bool(trial.stopped)

    async def lane() -> None:
        nonlocal in_a_row, lanes
        session = login_session(
            login, device.address, surface.service.port, device.login_timeout_s,
            device.tries_per_connection,
        )  # fmt: skip
        try:
            while not finished() and pending:
                pair = pending.popleft()
                await pacer(given).wait()
                result = await session.try_login(*pair)
                trial.tried += 1
                if result.outcome == "accepted":
                    trial.accepted = trial.accepted or pair
                    return
                if result.outcome == "rejected":
                    trial.rejected += 1
                    in_a_row = 0
                elif RATE_LIMITED.search(result.detail):
                    trial.tried -= 1  # not an answer about this pair: ask again after a pause
                    trial.limited += 1
                    trial.limited_detail = result.detail
                    pending.appendleft(pair)
                    if trial.limited_wait_s >= MAX_LIMITED_WAIT_S and not trial.stopped:
                        trial.locked_out = True
                        trial.stopped = (
                            f"the device kept limiting attempts ({result.detail}) for "
                            f"{trial.limited_wait_s:.0f} s"
                        )
                        return
                    asked = retry_after_s(result.detail)
                    pause = asked if asked is not None else 2.0 ** min(trial.limited, 3) / 2
                    pause = min(max(pause, 0.5), MAX_BACKOFF_S)
                    trial.limited_wait_s += pause
                    await asyncio.sleep(pause)
                    continue
                else:
                    trial.errors.append(result.detail)
                    in_a_row += 1
                    if in_a_row >= MAX_ERRORS_IN_A_ROW and not trial.stopped:
                        trial.stopped = f"stopped after {in_a_row} errors in a row: {result.detail}"
                    if pair not in retried:
                        retried.add(pair)
                        pending.appendleft(pair)
                    else:
                        trial.skipped += 1
                    if lanes > 1:
                        return  # fewer sessions at once from here on
                await asyncio.sleep(PACE_S)
        finally:
            lanes -= 1
            await session.aclose()

    await asyncio.gather(*(lane() for _ in range(lanes)))
    return trial


async def default_credential_trials(given: CheckInput) -> list[SurfaceTrial]:
    async def run() -> list[SurfaceTrial]:
        surfaces = [s for s in await login_surfaces(given) if s.asks_for_credentials]
        return [await try_defaults(given, s) for s in surfaces]

    return await given.shared.once("network.default_credentials", run)


class DefaultCredentialsCheck(Check):
    id: ClassVar[str] = "network.default_credentials"
    version: ClassVar[str] = "1.4"
    data_files: ClassVar[tuple[str, ...]] = (
        "admin-paths.yaml",
        "default-credentials.yaml",
        "risky-ports.yaml",
    )
    title: ClassVar[str] = "Known default credentials on every login surface"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("default_credentials",)
    sequence = 40
    budget_s = 1200

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
        unfinished = [t for t in trials if t.unfinished]
        if unfinished:
            stopped = (
                f"{t.surface} ({t.kind.replace('_', ' ')}, refused {t.rejected} of "
                f"{t.tried} tried): {t.stopped or _unfinished_why(t)}"
                for t in unfinished
            )
            raise CannotJudge(
                "could not finish the default-credential sweep on " + "; ".join(stopped),
                first_kind([t.kind for t in unfinished]),
            )
        summary = ", ".join(
            f"{t.surface} {t.no_password}" if t.no_password else
            f"{t.surface} refused {t.rejected}/{t.tried}"
            for t in trials
        )  # fmt: skip
        note = ""
        paced = [t for t in trials if t.limited and not t.stopped]
        if paced:
            waits = "; ".join(
                f"{t.surface} {t.limited} times, {t.limited_wait_s:.0f} s: {t.limited_detail}"
                for t in paced
            )
            note += f" (the device limited attempts; waited: {waits})"
        return (
            Observation(
                topic="default_credentials",
                outcome="pass",
                message=f"no known default credential accepted: {summary}{note}",
                details=details,
            ),
        )
