"""Where the buyer's side reads labels from: one interface, three sources.

``StatusSource.lookup`` takes model numbers and registration numbers and answers with the
public records (``labels.standing.LabelRecord``) that match, whole status history included, so
the caller works out the standing on any day with ``labels.standing.standing_on``. The sources:
a live registry (its bulk status endpoint, one round trip per 10,000 numbers), a signed
snapshot read offline, and records in memory (in-process use and tests).

Model numbers match in the registry's normal form (``labels.standing.model_key``: width and
case); one model number may match labels of several makers, and every match is returned: a
caller reports an ambiguity, it never picks one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from jcstar.labels.standing import LabelRecord, model_key


class Lookup(BaseModel):
    """The records found, keyed by the numbers exactly as the caller gave them."""

    model_config = ConfigDict(frozen=True)

    #: every label that lists the model number (in normal form); empty when none does
    by_model: dict[str, tuple[LabelRecord, ...]]
    #: the label with the registration number, or null when the registry has none
    by_registration: dict[str, LabelRecord | None]


class StatusSource(Protocol):
    """Something that can answer for many numbers at once."""

    #: where the answers come from, for reports ("https://registry.example/", "snapshot 42")
    @property
    def description(self) -> str: ...

    def lookup(self, models: Sequence[str], registrations: Sequence[str]) -> Lookup: ...


class RecordsSource:
    """Records held in memory, indexed once: the in-process source, and what a snapshot
    becomes once read and verified."""

    def __init__(self, records: Iterable[LabelRecord], description: str = "in-process") -> None:
        self._description = description
        self._by_registration: dict[str, LabelRecord] = {}
        self._by_model: dict[str, list[LabelRecord]] = defaultdict(list)
        for record in records:
            self._by_registration[record.registration_no] = record
            for key in {model_key(m) for m in record.model_numbers}:
                self._by_model[key].append(record)

    @property
    def description(self) -> str:
        return self._description

    def lookup(self, models: Sequence[str], registrations: Sequence[str]) -> Lookup:
        return Lookup(
            by_model={m: tuple(self._by_model.get(model_key(m), ())) for m in models},
            by_registration={r: self._by_registration.get(r.strip()) for r in registrations},
        )
