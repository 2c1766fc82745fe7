"""The criteria-version rules, pure (no database): which version is current, whether a label
is on a superseded one and when it lapses, and whether a report may still be submitted.

A label keeps the criteria version it was signed with; a newer version does not change the
label's stored status. When the operator publishes a newer version while the lapse rule is on
(``Settings.criteria_lapse_weeks``), the day labels on earlier versions lapse is fixed then and
recorded with the new version (and in the transparency log), so a later change of the setting
does not move a date already announced. With the rule off, labels on earlier versions stay
valid and only show that they are on a superseded version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

# the submission rule is the library's (the CLI checks a report offline with it)
from jcstar.assessment.criteria import in_effect, submission_problem

__all__ = ["Published", "Standing", "in_effect", "lapse_date", "standing", "submission_problem"]


@dataclass(frozen=True)
class Published:
    """A published criteria version of one level (oldest first in every sequence here)."""

    id: str
    effective_on: dt.date
    #: the day labels on the versions before this one lapse (None: the rule was off)
    earlier_lapse_on: dt.date | None = None


@dataclass(frozen=True)
class Standing:
    """What a label's criteria version means today: stable until the next publication."""

    #: the version the label was signed with (None: issued before versions were recorded)
    version: str | None
    #: the newest version published for the label's level, and the day it takes effect
    current: str | None
    current_since: dt.date | None
    #: a newer version than the label's has been published
    superseded: bool
    #: the day the label lapses under the lapse rule (None: it does not)
    lapses_on: dt.date | None


def lapse_date(effective_on: dt.date, weeks: int | None) -> dt.date | None:
    """When labels on earlier versions lapse, for a version effective on ``effective_on``."""
    return None if not weeks else effective_on + dt.timedelta(weeks=weeks)


def standing(version: str | None, versions: Sequence[Published]) -> Standing:
    newest = versions[-1] if versions else None
    current, since = (newest.id, newest.effective_on) if newest else (None, None)
    ids = [v.id for v in versions]
    if version is None or version not in ids:
        # not recorded (an older label): we cannot tell which version it was issued against,
        # so it is neither called superseded nor lapsed
        return Standing(version, current, since, False, None)
    later = versions[ids.index(version) + 1 :]
    lapses = [v.earlier_lapse_on for v in later if v.earlier_lapse_on is not None]
    return Standing(version, current, since, bool(later), min(lapses) if lapses else None)
