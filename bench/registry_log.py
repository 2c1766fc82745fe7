"""The transparency log of a bench registry, written as the registry writes it.

``bench_registry.load`` inserts labels straight into the tables, with no log entries: a
registry started on them finds every label "in the tables, not in the log" at start-up, which
is not a registry anyone runs (every label the registry issues is logged in the same
transaction). ``write_log`` makes the loaded registry a real one: one ``label.issued`` entry
per label, chained and hashed as ``registry.log.service.append`` chains them, and one signed
checkpoint over the head, as ``checkpoints.sign_on_commit`` signs it.

The loader marks every 50th label ``suspended`` in its row but gives it only its ``issued``
event; here such a label gets its ``suspended`` event (history and stored document) and its
``label.suspended`` entry, as ``labels.service`` records a suspension, so that its row, its
history, its document and the log all tell one story.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from jcstar.labels import Keyring
from jcstar.registry.db import make_engine
from jcstar.registry.labels.documents import LabelDocument
from jcstar.registry.labels.models import Label, LabelEvent
from jcstar.registry.log.chain import GENESIS, canonical, entry_hash, sha256_hex
from jcstar.registry.log.checkpoints import sign_head
from jcstar.registry.log.models import LogCheckpoint, LogEntry
from jcstar.registry.log.note import log_origin

BATCH = 10_000
#: who issued and suspended the bench's labels, as a log entry names the operator
BY = {"org": "IPA (bench)", "actor": "bench-loader"}
#: the loader issues up to today: an hour after keeps the suspension in the past for nearly all
SUSPENDED_AFTER = dt.timedelta(hours=1)
SUSPENSION_REASON = "bench: vulnerability under investigation"


def _iso(at: dt.datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def logged_entries(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(LogEntry)) or 0)
    finally:
        engine.dispose()


def _suspend(conn: sa.Connection) -> None:
    """Give each label the loader marked ``suspended`` its suspension event and document."""
    rows = conn.execute(
        sa.select(Label.id, Label.expires_on, LabelEvent.at, LabelDocument.body)
        .join(LabelEvent, LabelEvent.label_id == Label.id)
        .join(LabelDocument, LabelDocument.label_id == Label.id)
        .where(Label.status == "suspended")
    ).all()
    events, documents = [], []
    for label_id, expires_on, issued_at, body in rows:
        at = _utc(issued_at) + SUSPENDED_AFTER
        events.append(
            {
                "label_id": label_id,
                "event": "suspended",
                "status": "suspended",
                "at": at,
                "by_org_id": 1,
                "reason": SUSPENSION_REASON,
                "expires_on": expires_on,
            }
        )
        doc = json.loads(body)
        doc["status_history"].append(
            {
                "status": "suspended",
                "event": "suspended",
                "at": at.isoformat().replace("+00:00", "Z"),
                "reason": SUSPENSION_REASON,
                "expires_on": expires_on.isoformat(),
            }
        )
        documents.append({"id": label_id, "body": json.dumps(doc, ensure_ascii=False)})
    if events:
        conn.execute(sa.insert(LabelEvent), events)
        conn.execute(
            sa.update(LabelDocument)
            .where(LabelDocument.label_id == sa.bindparam("id"))
            .values(body=sa.bindparam("body")),
            documents,
        )


def _changes(conn: sa.Connection) -> Iterator[tuple[dt.datetime, str, str, dict[str, Any]]]:
    """``(at, kind, registration_no, payload)`` of every label event, oldest first."""
    rows = conn.execute(
        sa.select(
            LabelEvent.at,
            LabelEvent.id,
            LabelEvent.event,
            LabelEvent.status,
            LabelEvent.reason,
            LabelEvent.expires_on,
            Label.registration_no,
            Label.jws,
        )
        .join(Label, Label.id == LabelEvent.label_id)
        .order_by(LabelEvent.at, LabelEvent.id)
    )
    for at, _id, event, status, reason, expires_on, number, jws in rows:
        payload = {
            "registration_no": number,
            "status": status,
            "expires_on": expires_on.isoformat(),
            "reason": reason,
            "jws": jws,
            "by": BY,
        }
        yield _utc(at), f"label.{event}", number, payload


def write_log(database_url: str, key_dir: Path, base_url: str) -> float:
    """Suspension events, the log entry of every label event and a signed checkpoint over
    them, in one transaction; returns the seconds taken. The registry's log must be empty."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    keyring = Keyring.load_or_create(key_dir)
    try:
        with Session(engine) as session:
            conn = session.connection()
            if conn.scalar(sa.select(sa.func.count()).select_from(LogEntry)):
                raise SystemExit("the registry's log is not empty: write_log is for a fresh load")
            _suspend(conn)
            prev, seq, batch = GENESIS, 0, []
            for seq, (at, kind, number, payload) in enumerate(_changes(conn), start=1):
                body = canonical(payload).decode()
                digest = sha256_hex(body.encode())
                when = _iso(at)
                entry_hash_ = entry_hash(seq, when, kind, number, digest, prev)
                batch.append(
                    {
                        "seq": seq,
                        "at": when,
                        "kind": kind,
                        "subject": number,
                        "payload": body,
                        "payload_sha256": digest,
                        "prev_hash": prev,
                        "hash": entry_hash_,
                    }
                )
                prev = entry_hash_
                if len(batch) == BATCH:
                    conn.execute(sa.insert(LogEntry), batch)
                    batch = []
                    print(f"\r  logged {seq:,} entries", end="", file=sys.stderr, flush=True)
            if batch:
                conn.execute(sa.insert(LogEntry), batch)
            print(file=sys.stderr)
            sign_head(session, keyring, log_origin(base_url))
            session.commit()
            assert session.scalar(sa.select(sa.func.count()).select_from(LogCheckpoint)) == 1
    finally:
        engine.dispose()
    return time.perf_counter() - started
