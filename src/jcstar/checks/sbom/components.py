"""The components the vendor's SBOM lists, and any known vulnerability in them from a feed.

For vendors who can hand over an SBOM but not a firmware image: the same evidence as
``firmware.components`` (S1.1-06, informative), read from the vendor's own list instead of
the image. The list is the vendor's statement; nothing here confirms it against the product.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from jcstar.checks.base import Check, CheckInput, Observation
from jcstar.checks.sbom.collect.params import TARGET, sbom_params
from jcstar.checks.vulnfeed import load_feed, match_feed, vulnerability_observation

#: shown in the observation: the rest are in its details
LISTED = 30


class SbomComponentsCheck(Check):
    id: ClassVar[str] = "sbom.components"
    version: ClassVar[str] = "1.1"
    title: ClassVar[str] = (
        "Components the vendor's SBOM lists, and known vulnerabilities from a feed"
    )
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("sbom", "known_vulnerabilities")
    #: a full OSV export runs to hundreds of MB: reading it takes more than the default
    budget_s: ClassVar[float] = 300.0

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        # imported here, as firmware.components does: cyclonedx takes a quarter of a second
        # to import. vulnfeed above (univers, the firmware extra) makes a missing extra stop
        # the run when the plan imports this check, before anything runs
        from jcstar.checks.sbom.collect.cyclonedx import read_sbom

        params = sbom_params(given)
        components = await asyncio.to_thread(read_sbom, Path(params.file))
        feed = (
            await asyncio.to_thread(load_feed, Path(params.vuln_feed)) if params.vuln_feed else None
        )
        listed = ", ".join(f"{c.name} {c.version}".rstrip() for c in components[:LISTED])
        more = f" and {len(components) - LISTED} more" if len(components) > LISTED else ""
        observations = [
            Observation(
                topic="sbom",
                outcome="info",
                message=f"{len(components)} component(s) listed in the SBOM "
                f"{Path(params.file).name}: {listed or 'none'}{more}",
                details={"components": [c.model_dump() for c in components]},
            )
        ]
        if feed is not None:
            matches = match_feed(components, feed)
            observations.append(vulnerability_observation(matches, feed, where="the SBOM's"))
        return tuple(observations)
