"""The label lookup's fast path: ``GET /api/v1/labels/{registration_no}`` answered from the
stored document (``labels.documents``) in front of FastAPI's routing.

Under load py-spy showed FastAPI's route matching over every route, dependency solving and
its wrappers costing more than the lookup itself; the document needs none of them. Only a
found label is answered here: anything else (an unknown number, other methods, deeper paths)
goes on to the documented route in ``labels.router``, which builds the same JSON from the
label's rows (and answers 404 for an unknown number).

On PostgreSQL the read is awaited (``batch_reader.AsyncReader``: the lookups of a moment share
one query), on SQLite it is a blocking read of the local file (``documents.Reader``)."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from jcstar.registry.labels import batch_reader, documents
from jcstar.registry.labels.service import today
from jcstar.registry.log.crosscheck import Disputes

PREFIX = "/api/v1/labels/"


class LabelLookup:
    def __init__(self, app: ASGIApp, engine: Engine, disputes: Disputes | None = None) -> None:
        self.app = app
        #: labels whose tables disagree with the log: answered with the log's status
        self.disputes = disputes
        # PostgreSQL: awaited reads, so a process serves other requests during a round trip
        # to the database server; SQLite: a blocking read of a local file (microseconds)
        self.async_reader = (
            batch_reader.AsyncReader(engine) if engine.dialect.driver == "psycopg" else None
        )
        self.reader = None if self.async_reader else documents.Reader(engine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            try:
                await self.app(scope, receive, send)
            finally:  # the app has shut down: close the reader's connections
                if self.async_reader is not None:
                    await self.async_reader.close()
                if self.reader is not None:
                    self.reader.close()
            return
        path: str = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "GET" and path.startswith(PREFIX):
            registration_no = path[len(PREFIX) :]
            if registration_no and "/" not in registration_no:
                if self.async_reader is not None:
                    body = await self.async_reader.read(registration_no, today())
                else:
                    assert self.reader is not None
                    # a blocking read on the event loop, on purpose: one primary-key read of
                    # SQLite takes well under a millisecond, less than handing the request to
                    # a worker thread and back (a fifth of a lookup's cost under load,
                    # py-spy); --workers N uses more cores
                    body = self.reader.read(registration_no, today())
                if body is not None and self.disputes and registration_no in self.disputes:
                    body = self.disputes.answer(registration_no, body, today())
                if body is not None:
                    headers = [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ]
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)
