"""The registry's own database as a ``client.status.StatusSource``: what the portal's
procurement check reads, in process, with the same queries as the bulk status endpoint
(``status.service.find``) and no HTTP round trip. Procurement cannot import the registry
(``tests/test_import_boundaries.py``): the page hands it this source."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from jcstar.client.status import Lookup
from jcstar.registry.log.crosscheck import Disputes
from jcstar.registry.status import service


class DatabaseStatusSource:
    """Answers from ``session``'s database; ``description`` names it in reports (the
    registry's base URL, as a live check from the CLI names it). ``disputes``: the labels
    whose tables disagree with the transparency log (``app.state.disputes``), answered from
    the log as the bulk endpoint answers them; required, so no caller forgets them."""

    def __init__(self, session: Session, description: str, disputes: Disputes | None) -> None:
        self._session = session
        self._description = description
        self._disputes = disputes

    @property
    def description(self) -> str:
        return self._description

    def lookup(self, models: Sequence[str], registrations: Sequence[str]) -> Lookup:
        # ``find`` queries in chunks within every database's parameter limit, so a whole
        # model list is one call; the records are shared by every number that found them
        found = service.find(self._session, models, registrations, self._disputes)
        records = found.records
        return Lookup(
            by_model={m: tuple(records[n] for n in found.by_model[m]) for m in found.by_model},
            by_registration={
                r: (records[n] if n is not None else None) for r, n in found.by_registration.items()
            },
        )
