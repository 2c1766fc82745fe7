"""A global pace for new connections, shared by every device a fleet run probes."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """At most ``rate`` new connections per second across all users of this pacer.

    ``rate=None`` means no limit. Callers ``await pacer.wait()`` before connecting.
    """

    def __init__(self, rate: float | None = None) -> None:
        self.rate = rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.rate:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            await asyncio.sleep(start - now)
