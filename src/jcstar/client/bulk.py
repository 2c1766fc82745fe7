"""A live registry as a ``StatusSource``: its bulk status endpoint, 10,000 numbers a request.

Requests go over one ``RegistryClient`` (kept-alive connections), so 100,000 model numbers
cost ten round trips instead of 100,000 single lookups; two are in flight at a time, so a
registry with several server processes works on two batches at once while this client parses
the answers already in.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

import httpx
from pydantic import BaseModel, ValidationError

from jcstar.client.api import RegistryClient
from jcstar.client.errors import RegistryUnavailable
from jcstar.client.gc_paused import collection_paused
from jcstar.client.status import Lookup
from jcstar.labels.standing import LabelRecord

#: numbers per request: the registry's limit (``registry.status.schemas.MAX_NUMBERS``)
BATCH = 10_000
#: a request of 10,000 numbers may take a few seconds on a large registry
TIMEOUT_S = 120.0
#: requests in flight at once (our judgement: two keep a two-process registry busy, measured
#: at 1,000,000 labels; more would take a larger share of a shared registry for one client)
IN_FLIGHT = 2


class _Entry(BaseModel):
    # the standing is left out: a caller works it out for its own day (``standing_on``)
    record: LabelRecord


class _Answer(BaseModel):
    """What the client reads of the bulk answer (``registry.status.schemas.BulkStatus``),
    parsed from the bytes in one pass (pydantic's JSON parser builds the records directly:
    twice as fast as ``json.loads`` and validating the dicts, measured)."""

    models: dict[str, list[str]]
    registrations: dict[str, str | None]
    labels: dict[str, _Entry]


class RegistryStatusSource:
    """Answers from the registry at ``base_url`` (``transport``: for tests)."""

    def __init__(
        self,
        base_url: str,
        batch: int = BATCH,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = TIMEOUT_S,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        if not 1 <= batch <= BATCH:
            raise ValueError(f"batch must be 1 to {BATCH:,} numbers, not {batch}")
        if not 1 <= in_flight <= 8:
            raise ValueError(f"in_flight must be 1 to 8 requests, not {in_flight}")
        self.batch = batch
        self.in_flight = in_flight
        self._client = RegistryClient(base_url, timeout_s=timeout_s, transport=transport)

    @property
    def description(self) -> str:
        return self._client.base_url

    def __enter__(self) -> RegistryStatusSource:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def lookup(self, models: Sequence[str], registrations: Sequence[str]) -> Lookup:
        """Every number's records, asked in batches; raises the client's ``RegistryError`` or
        ``RegistryUnavailable`` when the registry refuses or cannot be reached."""
        asked = [("m", m) for m in dict.fromkeys(models)] + [
            ("r", r) for r in dict.fromkeys(registrations)
        ]
        records: dict[str, LabelRecord] = {}
        by_model: dict[str, tuple[LabelRecord, ...]] = {}
        by_registration: dict[str, LabelRecord | None] = {}
        parts = [asked[start : start + self.batch] for start in range(0, len(asked), self.batch)]

        def fetch(part: list[tuple[str, str]]) -> bytes:
            return self._client.bulk_status_body(
                [n for kind, n in part if kind == "m"], [n for kind, n in part if kind == "r"]
            )

        # ``in_flight`` threads send the batches while this one parses the answers in order:
        # the registry works on the next batches while the client reads the last (answers
        # wait in memory: ~6 MB per 10,000 numbers)
        with ThreadPoolExecutor(max_workers=self.in_flight) as ahead:
            bodies = ahead.map(fetch, parts)
            for body in bodies:
                self._merge(body, records, by_model, by_registration)
        # built from validated records: validating 100,000 entries again costs ~0.5 s
        return Lookup.model_construct(
            by_model={m: by_model[m] for m in models},
            by_registration={r: by_registration[r] for r in registrations},
        )

    def _merge(
        self,
        body: bytes,
        records: dict[str, LabelRecord],
        by_model: dict[str, tuple[LabelRecord, ...]],
        by_registration: dict[str, LabelRecord | None],
    ) -> None:
        try:
            with collection_paused():
                answer = _Answer.model_validate_json(body)
        except ValidationError as exc:
            raise RegistryUnavailable(
                f"{self.description}: the bulk status answer is not one: {exc.errors()[0]}"
            ) from None
        for number, entry in answer.labels.items():
            records.setdefault(number, entry.record)
        for model, numbers in answer.models.items():
            by_model[model] = tuple(records[n] for n in numbers)
        for given, found in answer.registrations.items():
            by_registration[given] = None if found is None else records[found]
