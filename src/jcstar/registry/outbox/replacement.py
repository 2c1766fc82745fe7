"""One notification per organisation for an approval, however many label events it makes.

Approving an application (``issuance.service.approve``) can record three history events at
once: the new label ``issued``, each label it replaces ``superseded``, and, for a renewal,
``renews`` on the new label. Notified one by one, a renewal reached a model number's watcher
twice (``label.issued``, then ``label.renewed``) and a watcher of the old registration number
twice too (``label.superseded``, then ``label.renewed``). So the approval holds those events
back (``held``) and writes here one notification per organisation for the whole change,
carrying every fact:

- a renewal: ``label.renewed`` about the new label, to whoever follows one of its model
  numbers, its number or a number it replaces, and to its vendor; ``data.renews`` names the
  renewed label and ``data.supersedes`` every label it replaced;
- otherwise: ``label.issued`` about the new label to whoever follows one of its model numbers
  or its number (``data.supersedes``: the labels it replaced, if any), and ``label.superseded``
  about a replaced label to whoever follows only that label's registration number.

Written in the approval's transaction, like every notification (``outbox.enqueue``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from jcstar.registry.db import utcnow
from jcstar.registry.labels.models import Label
from jcstar.registry.outbox import events
from jcstar.registry.outbox.enqueue import HELD, insert_rows, live_channels, row, watchers

#: the label events an approval makes; notified here, together, instead of one by one
APPROVAL_EVENTS = ("issued", "superseded", "renews")
ISSUED = events.CHANGE_EVENTS["issued"]
SUPERSEDED = events.CHANGE_EVENTS["superseded"]
RENEWED = events.CHANGE_EVENTS["renews"]


@contextmanager
def held(session: Session) -> Iterator[None]:
    """The approval's label events notify no one while the block runs (``enqueue_approval``
    notifies for all of them afterwards)."""
    session.info[HELD] = APPROVAL_EVENTS
    try:
        yield
    finally:
        session.info.pop(HELD, None)


def enqueue_approval(
    session: Session, new: Label, replaced: Sequence[Label], renewed: Label | None
) -> int:
    """Rows for the change an approval made: ``new`` issued, ``replaced`` superseded by it,
    ``renewed`` (one of ``replaced``) renewed by it; how many."""
    models = [m.model_number for m in new.models]
    follow_new = watchers(session, models, [new.registration_no])
    # who follows a replaced label by its number (or the number that label itself renewed)
    follow_old: dict[int, list[tuple[Label, list[str]]]] = {}
    for old in replaced:
        numbers = [old.registration_no] + ([old.renews] if old.renews else [])
        for org, found in watchers(session, (), numbers).items():
            follow_old.setdefault(org, []).append((old, found))
    data = events.label_data(new) | {"supersedes": [old.registration_no for old in replaced]}

    def following(org: int) -> list[str]:
        return follow_new.get(org, []) + [n for _, found in follow_old.get(org, []) for n in found]

    # (organisation, the label it is about, type, data)
    notes: list[tuple[int, int, str, dict[str, Any]]] = []
    if renewed is not None:
        told = sorted(set(follow_new) | set(follow_old) | {new.vendor_org_id})
        notes += [(org, new.id, RENEWED, data | {"watched": following(org)}) for org in told]
    else:
        for org in sorted(follow_new):
            notes.append((org, new.id, ISSUED, data | {"watched": following(org)}))
        for org in sorted(set(follow_old) - set(follow_new)):
            notes += [
                (org, old.id, SUPERSEDED, events.label_data(old) | {"watched": found})
                for old, found in follow_old[org]
            ]
    at = utcnow()
    channels = live_channels(session, (org for org, _, _, _ in notes))
    rows = [
        row(org, channel, label_id, kind, events.body(kind, at, body), at)
        for org, label_id, kind, body in notes
        for channel in channels.get(org, [])
    ]
    return insert_rows(session, rows)
