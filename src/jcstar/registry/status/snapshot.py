"""The signed snapshot: every label's public record, canonical, and its detached signature.

Built on demand and kept (``SnapshotCache``): a request is answered from the snapshot built
last while the registry has not changed since and its ``next_update`` has not passed. The
serial is the transparency log's length when the records were read: every change to a label
(issue, status change, notice) appends to the log in the same transaction, so a new serial
means the labels may have changed and an equal serial means the same records. Past
``next_update`` with nothing changed, the same records are signed again with new times.

The records are streamed from the database (one query, ordered by registration number) into
an anonymous temporary file while their digest is taken: no whole-registry list in memory.
Each server process keeps its own; since the bytes depend only on the records, two processes
at the same serial serve identical snapshots (their signatures differ only in the times).

A label whose tables disagree with the log (``log.crosscheck.Disputes``) is written as the log
tells it, with ``log_disagreement`` (``status.log_truth``), as the bulk status and the single
lookup answer it; a change in the disputed labels rebuilds the snapshot at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy import Connection, Engine, func, select

from jcstar.labels.keyring import Keyring
from jcstar.labels.snapshot_format import SnapshotHeader, record_line, sign_header
from jcstar.registry.db import utcnow
from jcstar.registry.labels.documents import LabelDocument
from jcstar.registry.labels.models import Label
from jcstar.registry.log.crosscheck import Disputes
from jcstar.registry.log.models import LogEntry
from jcstar.registry.status.log_truth import as_logged, logged_histories
from jcstar.registry.status.records import record_data

#: rows fetched from the database at a time while building
_FETCH = 5_000
#: bytes per chunk when serving
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Snapshot:
    header: SnapshotHeader
    #: the compact JWS over ``header`` (``labels.snapshot_format``)
    jws: str
    #: the record lines; closed when the last reader of this snapshot lets go of it
    file: IO[bytes]

    @property
    def size(self) -> int:
        return os.fstat(self.file.fileno()).st_size

    def chunks(self) -> Iterator[bytes]:
        """The snapshot's bytes (positioned reads: several requests may read at once)."""
        offset, size, fd = 0, self.size, self.file.fileno()
        while offset < size:
            chunk = os.pread(fd, min(_CHUNK, size - offset), offset)
            if not chunk:
                break
            offset += len(chunk)
            yield chunk


def log_length(connection: Connection) -> int:
    return int(connection.scalar(select(func.coalesce(func.max(LogEntry.seq), 0))) or 0)


def write_records(
    connection: Connection, out: IO[bytes], disputes: Disputes | None = None
) -> tuple[int, int, str]:
    """Every label's record line into ``out``, sorted by registration number (a disputed
    label's as the log tells it); returns the serial (the log's length read by the same
    statement, so the two agree), the number of records and the SHA-256 of what was written."""
    disputed = disputes.numbers() if disputes is not None else frozenset()
    histories = logged_histories(connection, disputes, disputed) if disputes else {}
    serial_now = select(func.coalesce(func.max(LogEntry.seq), 0)).scalar_subquery()
    number = Label.registration_no
    # byte order, as Python sorts: PostgreSQL would otherwise sort by the database's locale
    order = number.collate("C") if connection.dialect.name == "postgresql" else number
    rows = connection.execution_options(stream_results=True, yield_per=_FETCH).execute(
        select(serial_now, LabelDocument.body)
        .select_from(Label)
        .join(LabelDocument, LabelDocument.label_id == Label.id)
        .order_by(order)
    )
    digest = hashlib.sha256()
    serial: int | None = None
    count = 0
    for serial_in_row, body in rows:
        serial = int(serial_in_row)
        data = record_data(body)
        if data["registration_no"] in disputed:
            assert disputes is not None
            data = as_logged(data, disputes, histories)
        line = record_line(data)
        digest.update(line)
        out.write(line)
        count += 1
    out.flush()
    return (log_length(connection) if serial is None else serial), count, digest.hexdigest()


class SnapshotCache:
    """The current snapshot of one server process, rebuilt when the registry changed."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        issuer: str,
        interval: dt.timedelta,
        min_rebuild: dt.timedelta = dt.timedelta(0),
        disputes: Disputes | None = None,
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.issuer = issuer
        self.interval = interval
        #: the youngest a snapshot is rebuilt at: anyone may ask for the snapshot, and a build
        #: of 1,000,000 labels costs ~20 s of CPU, so changes made within this time wait for
        #: the next build rather than each starting one (the signed serial says how current)
        self.min_rebuild = min_rebuild
        #: labels answered from the log; the version the current snapshot was built with
        self.disputes = disputes
        self._disputes_version = -1
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self._built_at = dt.datetime.min.replace(tzinfo=dt.UTC)

    def current(self) -> Snapshot:
        # one build at a time: others wait for it rather than build the same again
        with self._lock:
            now = utcnow()
            cached = self._current
            disputes_now = self.disputes.version if self.disputes is not None else 0
            if disputes_now != self._disputes_version:
                cached = None  # a label's answer moved to the log (or back): not a minute later
            with self.engine.connect() as connection:
                if cached is not None:
                    unchanged = log_length(connection) == cached.header.serial
                    young = now - self._built_at < self.min_rebuild
                    if (unchanged or young) and now < cached.header.next_update:
                        return cached
                    if unchanged:
                        self._current = self._signed(cached.file, cached.header, now)
                        return self._current
                self._current = self._build(connection, now)
                self._built_at = now
                self._disputes_version = disputes_now
            return self._current

    def _build(self, connection: Connection, now: dt.datetime) -> Snapshot:
        # anonymous: gone with the last reference (a reader may still be streaming it)
        out = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            serial, count, sha256 = write_records(connection, out, self.disputes)
        except BaseException:
            out.close()
            raise
        header = SnapshotHeader(
            serial=serial,
            issued_at=now,
            next_update=now,
            count=count,
            sha256=sha256,
            issuer=self.issuer,
        )
        return self._signed(out, header, now)

    def _signed(self, file: IO[bytes], header: SnapshotHeader, now: dt.datetime) -> Snapshot:
        header = header.model_copy(update={"issued_at": now, "next_update": now + self.interval})
        return Snapshot(header=header, jws=sign_header(self.keyring, header), file=file)
