"""What a target (a device, a firmware image, the vendor's documents…) gives a run.

The pipeline asks every registered target the same four things and never names one: is it in
this profile, what does it put in the checks' input, what input files did the run read from it,
and what should the caller see besides the report (the firmware command: what was unpacked).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from jcstar.assessment.models import InputDigest, ProductProfile
from jcstar.checks.base import CheckInput


@dataclass(frozen=True)
class Finished:
    """What a target reports once the checks have run."""

    #: the files it read, for the report's ``inputs[]`` (in this order)
    digests: tuple[InputDigest, ...] = ()
    #: anything the command shows besides the report (None: nothing)
    detail: object | None = None


class Target(Protocol):
    #: the name checks declare in ``needs`` (the documents target: ``documents``, its checks
    #: declare each document kind)
    @property
    def name(self) -> str: ...

    def present(self, profile: ProductProfile) -> bool:
        """Whether the profile names this target (only present targets are prepared)."""
        ...

    def prepare(
        self, profile: ProductProfile, base_dir: Path, resources: ExitStack | None
    ) -> Mapping[str, object]:
        """The :class:`CheckInput` fields this target fills (a mapping field, such as
        ``documents`` or ``extra``, is merged with the other targets'). What the run must
        hold and release afterwards (a work directory) goes on ``resources``; None: the
        checks look after it themselves (checks run on their own)."""
        ...

    async def finish(self, given: CheckInput, used: bool) -> Finished:
        """After the checks, while the resources are still held; ``used``: a planned check
        declared this target."""
        ...
