"""PostgreSQL label lookups that do not block the event loop: awaited, and batched.

See ``AsyncReader``; ``documents.Reader`` is the blocking reader SQLite uses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import Engine, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from jcstar.registry.labels.documents import body_with_status, lookup_rows
from jcstar.registry.labels.models import Label

#: connections per process for PostgreSQL lookups, and numbers per query (see ``AsyncReader``)
ASYNC_CONNECTIONS = 1
BATCH = 64
#: the batch lookup's prepared statement on each of ``AsyncReader``'s connections
_STATEMENT = b"jcstar_lookup"
#: SQLSTATE classes of a connection that is gone: 08 connection exception, 57 operator
#: intervention (pg_terminate_backend, a server shutting down)
_CONNECTION_GONE = ("08", "57")
_BATCH_LOOKUP = lookup_rows(Label.registration_no).where(
    Label.registration_no == any_(bindparam("nos", type_=ARRAY(String)))
)

_Connection = psycopg.AsyncConnection[Any]
#: the columns after registration_no (status, expires_on, body) as text, or None: no label
_Row = list[bytes] | None


class AsyncReader:
    """Reads lookup bodies from PostgreSQL without blocking the event loop, in batches, on
    ``size`` autocommit connections of the process's own (one by default).

    With a blocking read a process waits out each round trip to the database server and
    serves nobody meanwhile. Here a lookup waits for its row while the process takes the next
    requests; the numbers asked for meanwhile go to the database together, as one query
    (``registration_no = ANY(...)``) when the connection is free. Each lookup still reads
    after its request arrived (a change committed before it is seen), but under load one
    round trip answers many: a query costs both processes a send, a wake-up and a receive on
    top of its few microseconds of work, which had made a lookup ~3x the minimal endpoint's
    CPU. When nothing else is waiting a batch is one number, sent on the loop's next turn.
    One connection per process batched best and had the steadiest latency (measured against
    two and four: more connections make smaller batches, and one opened late under load
    stalls the lookups behind it for the ~10-100 ms a PostgreSQL connection takes to open).

    Connections are opened by psycopg's AsyncConnection (the engine's own parameters), which
    also prepares the statement; a query then goes through psycopg's libpq wrapper
    (``psycopg.pq``): send the prepared statement, await the socket, take the rows' text.
    Measured in one process, psycopg's cursor cost ~100 µs of CPU per query against ~30 µs
    this way. No psycopg_pool: its bookkeeping on every checkout and return cost more than a
    query (4,100 against 6,100 reads/s, 16 concurrent reads on 4 connections), and a lookup
    needs none of it (autocommit, nothing to reset).

    A connection is opened when first needed; one the database dropped is replaced once, then
    the error is raised to the batch's lookups. Used from one event loop at a time: a new loop
    (a test client without its lifespan) starts afresh, since a connection waits on the loop
    it was opened in."""

    def __init__(self, engine: Engine, size: int = ASYNC_CONNECTIONS) -> None:
        sql = str(_BATCH_LOOKUP.compile(dialect=engine.dialect))
        assert sql.count("%(nos)s") == 1, sql
        self.prepare = f"PREPARE {_STATEMENT.decode()} AS {sql.replace('%(nos)s', '$1')}"
        # what the engine itself would give psycopg.connect (host, dbname, options, ...)
        _args, params = engine.dialect.create_connect_args(engine.url)
        self._params: dict[str, Any] = {**params, "autocommit": True, "client_encoding": "utf8"}
        self.size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        #: connections not in use; None where one may be opened
        self._free: list[_Connection | None] = []
        self._open: set[_Connection] = set()
        #: numbers not yet sent, each with the lookups waiting for it
        self._waiting: dict[str, list[asyncio.Future[_Row]]] = {}
        self._batches: set[asyncio.Task[None]] = set()
        self._dispatch_due = False

    def _on_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            for connection in self._open:  # left by a loop that has ended: no await possible
                connection.pgconn.finish()
            self._open.clear()
            self._loop = loop
            self._free = [None] * self.size
            self._waiting.clear()
            self._batches.clear()
            self._dispatch_due = False
        return loop

    async def read(self, registration_no: str, on: dt.date) -> bytes | None:
        """The lookup response body, or None when there is no such label (or no document)."""
        if "\x00" in registration_no:  # libpq would cut the text parameter short there
            return None
        loop = self._on_loop()
        row: asyncio.Future[_Row] = loop.create_future()
        self._waiting.setdefault(registration_no, []).append(row)
        if not self._dispatch_due:  # on the loop's next turn: with the lookups it brings
            self._dispatch_due = True
            loop.call_soon(self._dispatch)
        found = await row
        if found is None:
            return None
        return body_with_status([value.decode() for value in found], on)

    def _dispatch(self) -> None:
        """Send the waiting numbers, a batch on each free connection."""
        self._dispatch_due = False
        while self._waiting and self._free:
            numbers = list(itertools.islice(self._waiting, BATCH))
            batch = {number: self._waiting.pop(number) for number in numbers}
            task = asyncio.get_running_loop().create_task(self._run(self._free.pop(), batch))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    async def _run(
        self, connection: _Connection | None, batch: dict[str, list[asyncio.Future[_Row]]]
    ) -> None:
        answered = False
        try:
            for attempt in (1, 2):
                try:
                    if connection is None:
                        connection = await self._connect()
                    rows = await _fetch(connection.pgconn, _text_array(batch))
                    answered = True
                    break
                except psycopg.OperationalError:  # the connection is gone (or none could open)
                    if connection is not None:
                        await self._discard(connection)
                        connection = None
                    if attempt == 2:
                        raise
        except Exception as error:
            for futures in batch.values():
                for future in futures:
                    if not future.done():  # not a lookup whose client has gone
                        future.set_exception(error)
        else:
            for number, futures in batch.items():
                found = rows.get(number)
                for future in futures:
                    if not future.done():
                        future.set_result(found)
        finally:
            for futures in batch.values():  # the batch was cancelled (the app shuts down)
                for future in futures:
                    future.cancel()  # no-op for those answered
            # failed or cancelled halfway, a connection may still owe results: not reused
            if connection is not None and not answered:
                await self._discard(connection)
                connection = None
            self._free.append(connection)
            if self._waiting:
                self._dispatch()

    async def _connect(self) -> _Connection:
        connection = await psycopg.AsyncConnection.connect(**self._params)
        self._open.add(connection)
        # ISO dates whatever the server's DateStyle: status_on compares them as text
        await connection.execute("SET DateStyle = ISO")
        # one plan for any batch (index scans, ~5 µs to reuse): the planner would otherwise
        # plan every execution again (~100 µs), its generic plan's guess of ten numbers
        # costing more than the one number of a custom plan
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        await connection.execute(self.prepare)
        return connection

    async def _discard(self, connection: _Connection) -> None:
        self._open.discard(connection)
        await connection.close()

    async def close(self) -> None:
        """Close every connection (at the app's shutdown)."""
        for task in list(self._batches):
            task.cancel()
        await asyncio.gather(*self._batches, return_exceptions=True)
        while self._open:
            await self._discard(self._open.pop())
        self._loop = None


def _text_array(numbers: Iterable[str]) -> bytes:
    """A PostgreSQL array literal of ``numbers``, each quoted."""
    quoted = ('"' + n.replace("\\", "\\\\").replace('"', '\\"') + '"' for n in numbers)
    return ("{" + ",".join(quoted) + "}").encode()


async def _fetch(pgconn: pq.abc.PGconn, numbers: bytes) -> dict[str, list[bytes]]:
    """Run the prepared batch lookup on a nonblocking libpq connection, awaiting its socket:
    each label found, by registration number, with its other columns as text. A connection
    the server ended raises OperationalError."""
    loop = asyncio.get_running_loop()
    pgconn.send_query_prepared(_STATEMENT, [numbers])
    while pgconn.flush():  # the rest of the query once the socket takes it
        await _ready(loop.add_writer, loop.remove_writer, pgconn.socket)
    results = []
    while True:
        while pgconn.is_busy():
            await _ready(loop.add_reader, loop.remove_reader, pgconn.socket)
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            break
        results.append(result)
    (result,) = results
    if result.status != pq.ExecStatus.TUPLES_OK:
        message = (result.error_message or b"").decode("utf-8", "replace").strip()
        state = (result.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
        if pgconn.status == pq.ConnStatus.BAD or state[:2] in _CONNECTION_GONE:
            raise psycopg.OperationalError(message)
        raise psycopg.DatabaseError(message)
    rows: dict[str, list[bytes]] = {}
    for i in range(result.ntuples):
        number, *columns = (result.get_value(i, j) or b"" for j in range(result.nfields))
        rows[number.decode()] = columns
    return rows


async def _ready(add: Callable[..., object], remove: Callable[[int], object], socket: int) -> None:
    """Wait until the event loop reports ``socket`` ready (``add``: add_reader or add_writer)."""
    ready = asyncio.get_running_loop().create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    add(socket, wake)
    try:
        await ready
    finally:
        remove(socket)
