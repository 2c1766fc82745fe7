"""The vendor's SBOM (and the vulnerability feed beside it) the SBOM checks read: for a
product whose vendor can hand over a software bill of materials but not a firmware image."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from jcstar.assessment.models import InputDigest, ProductProfile
from jcstar.assessment.targets.base import Finished
from jcstar.checks.base import SBOM, CheckInput
from jcstar.checks.sbom.collect.params import SbomParams

#: report ``inputs[].role`` of each file the ``sbom:`` section names
INPUT_ROLES = {"file": "sbom", "vuln_feed": "vulnerability_feed"}


@dataclass(frozen=True)
class SbomInputs:
    name: str = SBOM

    def present(self, profile: ProductProfile) -> bool:
        return profile.sbom is not None

    def prepare(
        self, profile: ProductProfile, base_dir: Path, resources: ExitStack | None
    ) -> Mapping[str, object]:
        assert profile.sbom is not None
        # paths in the profile are relative to its directory, as documents are
        return {"extra": {self.name: profile.sbom.resolved(base_dir)}}

    async def finish(self, given: CheckInput, used: bool) -> Finished:
        params = given.extra.get(self.name)
        if not isinstance(params, SbomParams):
            return Finished()
        digests = []
        for field, role in INPUT_ROLES.items():
            value = getattr(params, field)
            if value is None:
                continue
            try:
                sha256 = await asyncio.to_thread(_sha256, Path(value))
            except OSError:  # not there: the check's attempt says so (unreachable)
                continue
            digests.append(InputDigest(role=role, name=Path(value).name, sha256=sha256))
        return Finished(digests=tuple(digests))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
