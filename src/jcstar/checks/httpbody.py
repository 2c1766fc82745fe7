"""Read an HTTP body with a byte cap: a device or site that streams forever costs
bounded memory."""

from __future__ import annotations

import httpx


async def read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """(at most ``limit`` bytes of the body, whether more was on offer)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
