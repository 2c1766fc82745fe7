"""The baseline for bench_registry.py: a bare FastAPI endpoint returning a small JSON object.

Served by the same uvicorn settings and worker count as ``jcstar serve`` in the bench, so the
difference is what the registry itself costs (routing, database, serialisation).
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


# async: the cheapest endpoint FastAPI can serve (no thread-pool hop), so the bar is honest
@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}
