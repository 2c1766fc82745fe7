"""The check interface: a check observes a target and returns an attempt.

Checks know targets (a URL, a file, later a device address or a firmware image),
not standards: which requirement an observation evidences is the catalog's job.
Every run is wrapped in a :class:`CheckAttempt` envelope so that "could not test"
is data and never reads as a pass.
"""

from __future__ import annotations

import asyncio
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # the targets' own modules import this one
    from jcstar.checks.firmware.collect.image import FirmwareTarget
    from jcstar.checks.network.collect.device import DeviceTarget
    from jcstar.checks.product import ProductContext

T = TypeVar("T")
P = TypeVar("P")
#: pass / fail: what was seen settles it; info: seen, but it settles nothing (a review);
#: inconclusive: part of what the check had to judge could not be judged (INCONCLUSIVE)
Outcome = Literal["pass", "fail", "info", "inconclusive"]
AttemptStatus = Literal["completed", "error", "skipped"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def data_path(name: str) -> Path:
    """The shipped check data file ``name`` (``checks/data/<name>``): every loader reads its
    file through here, so a check's ``data_files`` and what it reads are the same names
    (``tests/checks/test_provenance.py`` compares them)."""
    return Path(str(resources.files("jcstar.checks") / "data" / name))


@cache
def data_digest(name: str) -> str:
    """SHA-256 of the shipped data file ``name``, as reports record it."""
    return hashlib.sha256(data_path(name).read_bytes()).hexdigest()


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


#: why a check that ran could not judge (:class:`CannotJudge`): ``unreachable`` the target
#: could not be reached (no route, no host, a file not there); ``refused`` it was reached and
#: turned the check away (connection refused, HTTP 401/403); ``timed_out`` it did not answer
#: in time, or the check's time ran out; ``unsupported`` it answered in a form the check cannot
#: judge (an unknown format, key type or protocol); ``cut_short`` the check's input or work
#: stopped part way (an image extracted in part, work cancelled); ``undetermined`` none of
#: these: it was seen but what was seen settles nothing
CannotJudgeKind = Literal[
    "unreachable", "timed_out", "refused", "unsupported", "cut_short", "undetermined"
]


class CheckAttempt(Frozen):
    check: str
    check_version: str
    status: AttemptStatus
    reason: str = ""
    #: for an ``error`` the check could not judge, why (None: a fault of the check or of its
    #: parameters, a skip or a completed attempt, or a report from before kinds were recorded)
    kind: CannotJudgeKind | None = None
    target: str = ""
    observations: tuple[Observation, ...] = ()
    duration_ms: int = 0

    @property
    def stated_reason(self) -> str:
        """The reason as a report shows it: a cannot-judge kind first (``timed out: …``)."""
        if self.kind is None:
            return self.reason
        return f"{self.kind.replace('_', ' ')}: {self.reason}"


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


#: the target names a check may declare in ``needs`` besides a profile document kind
DEVICE = "device"
FIRMWARE_IMAGE = "firmware_image"
SBOM = "sbom"
#: why a check is skipped when the profile names none of its targets, for the targets whose
#: absence a plan can state without importing the check (``assessment/plan.py``); the
#: collectors raise the same sentence when they find their target absent
ABSENT: dict[str, str] = {
    DEVICE: "profile names no device address (device.address)",
    FIRMWARE_IMAGE: "profile names no firmware image (firmware.image)",
    SBOM: "profile names no SBOM (sbom.file)",
}


class UndeclaredTarget(Exception):
    """A check read a target it does not declare in ``needs``: a fault of the check (the
    runner reports it as one), never a skip and never a pass."""


@dataclass(frozen=True, kw_only=True)
class CheckInput:
    """What a check is given: the targets present in the profile, what the vendor says
    about the product, and the check's parameters.

    The runner hands each check a copy narrowed to the targets its ``needs`` declares
    (:meth:`for_check`); read targets through :meth:`device_target`,
    :meth:`firmware_target` and :meth:`document`, which name an undeclared read as the
    check's fault. ``shared`` is the same object in every copy of one run."""

    device: DeviceTarget | None = None
    firmware: FirmwareTarget | None = None
    #: profile documents by kind (e.g. ``vulnerability_disclosure_policy``): a URL or a path
    documents: Mapping[str, str] = field(default_factory=dict)
    product: ProductContext = field(default_factory=lambda: _product_context())
    #: the check's parameters: its declared defaults with the catalog's overrides, validated
    #: (``checks/params.py``); set by the runner when it narrows the input for the check
    params: Mapping[str, object] = field(default_factory=dict)
    #: inputs of targets with no field of their own (a target added later: a cloud API, a
    #: companion app), by the name checks declare in ``needs``; read through :meth:`target`
    extra: Mapping[str, object] = field(default_factory=dict)
    #: directory that relative document paths are read from (the profile's)
    base_dir: str = "."
    shared: SharedWork = field(default_factory=SharedWork, compare=False)
    #: the targets the running check declared; None when not narrowed (tests, the assessment)
    declared: frozenset[str] | None = None

    @property
    def targets(self) -> dict[str, str]:
        """Each present target's location by name: what an attempt's ``target`` names."""
        found = dict(self.documents)
        if self.device is not None:
            found[DEVICE] = self.device.params.address
        if self.firmware is not None:
            found[FIRMWARE_IMAGE] = self.firmware.params.image
        found.update((name, str(value)) for name, value in self.extra.items())
        return found

    def for_check(self, needs: Iterable[str]) -> CheckInput:
        """This input as one check may see it: only the targets it declares."""
        declared = frozenset(needs)
        return replace(
            self,
            device=self.device if DEVICE in declared else None,
            firmware=self.firmware if FIRMWARE_IMAGE in declared else None,
            documents={k: v for k, v in self.documents.items() if k in declared},
            extra={k: v for k, v in self.extra.items() if k in declared},
            declared=declared,
        )

    def _reading(self, name: str) -> None:
        if self.declared is not None and name not in self.declared:
            raise UndeclaredTarget(f"the check reads {name!r} but does not declare it in needs")

    def device_target(self) -> DeviceTarget | None:
        self._reading(DEVICE)
        return self.device

    def firmware_target(self) -> FirmwareTarget | None:
        self._reading(FIRMWARE_IMAGE)
        return self.firmware

    def document(self, kind: str) -> str | None:
        self._reading(kind)
        return self.documents.get(kind)

    def target(self, name: str) -> object | None:
        """The input of a target kept in ``extra`` (None when the profile has none)."""
        self._reading(name)
        return self.extra.get(name)

    def param(self, name: str, kind: type[P], default: P) -> P:
        """The check's parameter ``name`` (``default`` when not given); a value of another
        type is a fault of whoever set it, named here."""
        value = self.params.get(name, default)
        if not isinstance(value, kind):
            raise TypeError(f"parameter {name!r} must be {kind.__name__}, got {value!r}")
        return value


def _product_context() -> ProductContext:
    from jcstar.checks.product import ProductContext  # product.py imports this module

    return ProductContext()


class SkipCheck(Exception):
    """Raised by a check that lacks the input it needs; the attempt is ``skipped``."""


class CannotJudge(Exception):
    """Raised by a check that ran but cannot judge: the attempt is an ``error`` whose
    reason is this plain sentence (INCONCLUSIVE, never a pass). Anything else a check
    raises is a fault of the check and is reported as one."""

    def __init__(self, reason: str, kind: CannotJudgeKind = "undetermined") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind: CannotJudgeKind = kind


def connection_kind(exc: BaseException) -> CannotJudgeKind:
    """The kind of a failed connection, from the OS error at its root (an httpx or asyncio
    error wraps it): refused, timed out, or otherwise unreachable (no route, no such host)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        if isinstance(seen, TimeoutError) or type(seen).__name__.endswith("Timeout"):
            return "timed_out"  # the stdlib's, or httpx's ConnectTimeout / ReadTimeout
        seen = seen.__cause__ or seen.__context__
    return "unreachable"


#: a check's time budget when it declares none (the user's ``--timeout`` overrides any)
DEFAULT_BUDGET_S = 30.0
_DECLARED = ("id", "version", "title", "needs", "topics")


class Check(ABC):
    """A check's contract: everything the runner reads is declared here, with defaults.

    A subclass names ``id`` (its module is named after it: ``network.tls`` lives in
    ``checks/network/tls.py``), ``version``, ``title``, ``needs`` and ``topics``, and
    implements :meth:`run`; forgetting one of the five is an error when the class is
    defined, not when it first runs."""

    id: ClassVar[str]
    version: ClassVar[str]
    title: ClassVar[str]
    #: profile targets this check reads: ``device``, ``firmware_image`` or a document kind
    needs: ClassVar[tuple[str, ...]]
    #: what the check can observe; catalog bindings may narrow to one of these
    topics: ClassVar[tuple[str, ...]]
    #: None: runs concurrently with the others; a number: runs one at a time with the other
    #: numbered checks, in this order (device checks: a brute-force burst must not race the
    #: credential checks, it may trigger a lockout)
    sequence: ClassVar[int | None] = None
    #: how long the check may take when the user sets no limit
    budget_s: ClassVar[float] = DEFAULT_BUDGET_S
    #: the files under ``checks/data/`` the check reads (itself or through its collectors);
    #: reports record each one's digest beside the check's version
    data_files: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        missing = [name for name in _DECLARED if not hasattr(cls, name)]
        if missing:
            raise TypeError(f"check {cls.__name__} does not declare {', '.join(missing)}")

    def budget_for(self, given: CheckInput) -> float:
        """The budget worked out from the input (a firmware check: the profile's unpack
        time limit); ``budget_s`` unless a check knows better."""
        return self.budget_s

    @abstractmethod
    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        """Observe the target; raise :class:`SkipCheck` when a target is absent and
        :class:`CannotJudge` when it cannot be judged."""
