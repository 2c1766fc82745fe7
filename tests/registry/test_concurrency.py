"""Concurrent writers queue on the write lock: no lost change, no broken log chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from jcstar.registry.db import lock_for_write
from jcstar.registry.log import service as log

WRITERS = 8
EACH = 5


def test_concurrent_log_appends_keep_one_chain(client: TestClient) -> None:
    sessions = client.app.state.sessions  # type: ignore[attr-defined]

    def writer(n: int) -> None:
        for i in range(EACH):
            with sessions() as session:
                # a read first, as a request's authentication does, then the write
                log.entries(session, limit=1)
                lock_for_write(session)
                log.append(session, "test.write", f"writer-{n}", {"i": i})
                session.commit()

    with ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(writer, n) for n in range(WRITERS)]:
            future.result()  # re-raises a writer's error (e.g. "database is locked")

    verdict = client.get("/api/v1/log/verify").json()
    assert verdict["ok"] is True, verdict["problem"]
    assert verdict["entries"] == WRITERS * EACH
