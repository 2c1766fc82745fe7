"""The components the vendor's SBOM lists, and any known vulnerability in them from a feed.

For vendors who can hand over an SBOM but not a firmware image: the same evidence as
``firmware.components`` (S1.1-06, informative), read from the vendor's own list instead of
the image: CycloneDX JSON, or SPDX 2.x (JSON, tag-value, or Yocto's many documents). The
list is the vendor's statement; nothing here confirms it against the product. A component
the feed cannot name (no purl, no CPE) is said to be unmatched, never to be unaffected.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from jcstar.checks.base import Check, CheckInput, Observation
from jcstar.checks.sbom.collect.params import TARGET, sbom_params
from jcstar.checks.sbom.collect.reading import read_sbom
from jcstar.checks.vulnfeed import (
    Component,
    Feed,
    VulnMatch,
    load_feed,
    match_feed,
    vulnerability_observation,
)

#: shown in the observation: the rest are in its details
LISTED = 30


class SbomComponentsCheck(Check):
    id: ClassVar[str] = "sbom.components"
    version: ClassVar[str] = "1.2"
    title: ClassVar[str] = (
        "Components the vendor's SBOM lists, and known vulnerabilities from a feed"
    )
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("sbom", "known_vulnerabilities")
    #: a full OSV export runs to hundreds of MB: reading it takes more than the default
    budget_s: ClassVar[float] = 300.0

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        params = sbom_params(given)
        listed = await asyncio.to_thread(read_sbom, Path(params.file))
        feed = (
            await asyncio.to_thread(load_feed, Path(params.vuln_feed)) if params.vuln_feed else None
        )
        components = listed.components
        shown = ", ".join(f"{c.name} {c.version}".rstrip() for c in components[:LISTED])
        more = f" and {len(components) - LISTED} more" if len(components) > LISTED else ""
        nameless = [c for c in components if not (c.purl or c.cpe)]
        observations = [
            Observation(
                topic="sbom",
                outcome="info",
                message=f"{len(components)} component(s) listed in the SBOM "
                f"{Path(params.file).name}: {shown or 'none'}{more}"
                + (
                    f"; {len(nameless)} with no purl or CPE, which no vulnerability feed can name"
                    if nameless
                    else ""
                ),
                details={
                    "format": listed.form,
                    "components": [
                        c.model_dump() | {"supplier": listed.suppliers.get(c.ref, "")}
                        for c in components
                    ],
                },
            )
        ]
        if feed is not None:
            matches = match_feed(components, feed)
            found = vulnerability_observation(matches, feed, where="the SBOM's")
            observations.append(_with_unmatched(found, unmatched(components, feed, matches), feed))
        return tuple(observations)


def unmatched(
    components: tuple[Component, ...], feed: Feed, matches: tuple[VulnMatch, ...]
) -> tuple[Component, ...]:
    """The components ``feed`` cannot name: an OSV record names a package by purl (or an
    ecosystem, which only a purl gives here); a CSAF product by purl, CPE or its name and
    version in the product tree, so there only the ones with neither that it did not name."""
    if feed.vex is None:
        return tuple(c for c in components if not c.purl)
    named = {m.component for m in matches}
    return tuple(c for c in components if not (c.purl or c.cpe) and c.ref not in named)


def _with_unmatched(found: Observation, missed: tuple[Component, ...], feed: Feed) -> Observation:
    """The feed's finding, saying how many components it could not be matched against: an
    unmatched component is unknown, never "not affected"."""
    if not missed:
        return found
    what = "purl" if feed.vex is None else "purl or CPE"
    names = ", ".join(f"{c.name} {c.version}".rstrip() for c in missed[:LISTED])
    more = f" and {len(missed) - LISTED} more" if len(missed) > LISTED else ""
    message = found.message.replace(
        "no component is affected", "no component the feed can name is affected", 1
    )
    return found.model_copy(
        update={
            "message": f"{message}; {len(missed)} component(s) not matched "
            f"(no {what} to match the feed by), their vulnerabilities unknown: {names}{more}",
            "details": found.details | {"unmatched": [c.ref for c in missed]},
        }
    )
