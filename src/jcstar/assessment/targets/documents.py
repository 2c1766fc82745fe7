"""The vendor's documents the profile lists (a policy, security.txt), by kind."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from jcstar.assessment.models import ProductProfile
from jcstar.assessment.targets.base import Finished
from jcstar.checks.base import CheckInput


@dataclass(frozen=True)
class DocumentInputs:
    name: str = "documents"

    def present(self, profile: ProductProfile) -> bool:
        return bool(profile.documents)

    def prepare(
        self, profile: ProductProfile, base_dir: Path, resources: ExitStack | None
    ) -> Mapping[str, object]:
        # relative paths are read from CheckInput.base_dir, the profile's directory
        return {"documents": dict(profile.documents)}

    async def finish(self, given: CheckInput, used: bool) -> Finished:
        return Finished()
