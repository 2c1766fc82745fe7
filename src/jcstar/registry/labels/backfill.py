"""Store the public document of labels that have none: a database from before documents
(migration 0002) is filled in once, when the registry is migrated."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from jcstar.registry.db import lock_for_write
from jcstar.registry.labels import documents
from jcstar.registry.labels.documents import LabelDocument
from jcstar.registry.labels.models import Label
from jcstar.registry.labels.service import store_document

BATCH = 1000


def fill_missing(engine: Engine) -> int:
    """Store a document for every label without one, in batches; returns how many."""
    if not documents.missing(engine):
        return 0
    stored = 0
    with Session(engine) as session:
        while True:
            lock_for_write(session)  # writers queue; a label cannot change under us
            have = select(LabelDocument.label_id)
            batch = session.scalars(
                select(Label)
                .where(Label.id.not_in(have))
                .order_by(Label.id)
                .limit(BATCH)
                .options(
                    selectinload(Label.models),
                    selectinload(Label.events),
                    selectinload(Label.notices),
                )
            ).all()
            for label in batch:
                store_document(session, label)
            session.commit()
            stored += len(batch)
            if len(batch) < BATCH:
                return stored
