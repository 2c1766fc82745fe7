"""A procurement check end to end: ask a status source about every line, then judge.

The only step with I/O: one lookup for every model number of the list (a source answers many at
once), and a second one for the successors of superseded labels the first did not return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from jcstar.client.status import Lookup, StatusSource
from jcstar.procurement.evaluate import CheckResult, ModelLine, check_lines, registrations_to_follow
from jcstar.procurement.models import Importance, Policy


def lookup_lines(source: StatusSource, lines: Sequence[ModelLine]) -> Lookup:
    """The records for every line's model number, and the successors they point to."""
    models = list(dict.fromkeys(line.model for line in lines))
    lookup = source.lookup(models, [])
    follow = registrations_to_follow(lookup)
    if not follow:
        return lookup
    successors = source.lookup([], follow)
    return Lookup(
        by_model=lookup.by_model,
        by_registration={**lookup.by_registration, **successors.by_registration},
    )


def run_check(
    lines: Sequence[ModelLine],
    source: StatusSource,
    policy: Policy,
    on: dt.date,
    importance: Importance | None = None,
    product_type: str | None = None,
) -> CheckResult:
    """Every line's verdict against ``policy`` on ``on``, from ``source``."""
    lookup = lookup_lines(source, lines)
    return check_lines(lines, lookup, policy, on, source.description, importance, product_type)
