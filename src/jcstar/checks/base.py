"""The check interface: a check observes a target and returns an attempt.

Checks know targets (a URL, a file, later a device address or a firmware image),
not standards: which requirement an observation evidences is the catalog's job.
Every run is wrapped in a :class:`CheckAttempt` envelope so that "could not test"
is data and never reads as a pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Literal, Protocol, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
#: pass / fail: what was seen settles it; info: seen, but it settles nothing (a review);
#: inconclusive: part of what the check had to judge could not be judged (INCONCLUSIVE)
Outcome = Literal["pass", "fail", "info", "inconclusive"]
AttemptStatus = Literal["completed", "error", "skipped"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Observation(Frozen):
    """One thing a check saw.

    ``conclusive`` says whether a ``pass`` alone is enough to show the requirement
    met (a policy read from a local file shows its content, not that it is
    published, so it is not conclusive).
    """

    topic: str
    outcome: Outcome
    message: str
    conclusive: bool = False
    details: dict[str, Any] = Field(default_factory=dict)


class CheckAttempt(Frozen):
    check: str
    check_version: str
    status: AttemptStatus
    reason: str = ""
    target: str = ""
    observations: tuple[Observation, ...] = ()
    duration_ms: int = 0


class SharedWork:
    """Work several checks of one run need (e.g. the port scan), done once.

    Checks ask for it by key; the first asker runs it, the others await the same
    result (or the same exception).
    """

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    async def once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._tasks[key] = task
        return cast(T, await asyncio.shield(task))


class CheckInput(Frozen):
    """What a check is given: named targets from the profile and its parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    targets: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    base_dir: str = "."
    shared: SharedWork = Field(default_factory=SharedWork, exclude=True)


class SkipCheck(Exception):
    """Raised by a check that lacks the input it needs; the attempt is ``skipped``."""


CannotJudgeKind = Literal[
    "unreachable", "timed_out", "refused", "unsupported", "cut_short", "undetermined"
]


class CannotJudge(Exception):
    """Raised by a check that ran but cannot judge: the attempt is an ``error`` whose
    reason is this plain sentence (INCONCLUSIVE, never a pass). Anything else a check
    raises is a fault of the check and is reported as one."""

    def __init__(self, reason: str, kind: CannotJudgeKind = "undetermined") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind: CannotJudgeKind = kind


class Check(Protocol):
    id: ClassVar[str]
    version: ClassVar[str]
    title: ClassVar[str]
    #: profile targets this check reads (e.g. ``vulnerability_disclosure_policy``)
    needs: ClassVar[tuple[str, ...]]
    #: what the check can observe; catalog bindings may narrow to one of these
    topics: ClassVar[tuple[str, ...]]

    async def run(self, given: CheckInput) -> tuple[Observation, ...]: ...
