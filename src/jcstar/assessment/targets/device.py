"""The device a probe talks to: the profile's ``device:`` section and the connection pace."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from jcstar.assessment.models import ProductProfile
from jcstar.assessment.targets.base import Finished
from jcstar.checks.base import DEVICE, CheckInput
from jcstar.checks.network.collect.device import DeviceTarget
from jcstar.checks.network.collect.pacing import Pacer


@dataclass(frozen=True)
class DeviceInputs:
    #: the pace of new connections; a fleet run passes one shared by every device
    pacer: Pacer | None = None
    name: str = DEVICE

    def present(self, profile: ProductProfile) -> bool:
        return profile.device is not None

    def prepare(
        self, profile: ProductProfile, base_dir: Path, resources: ExitStack | None
    ) -> Mapping[str, object]:
        assert profile.device is not None
        return {"device": DeviceTarget(profile.device, self.pacer or Pacer())}

    async def finish(self, given: CheckInput, used: bool) -> Finished:
        return Finished()
