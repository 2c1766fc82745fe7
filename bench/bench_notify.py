"""A revocation reaches 10,000 watchers' webhooks: how long, and what a ``kill -9`` costs.

Run: .venv/bin/python bench/bench_notify.py [--watchers 10000] [--database-url URL]

1. a fresh registry database (SQLite in a temp directory, or ``--database-url``: an empty
   PostgreSQL database or schema) with the demo label, and ``--watchers`` procurers, each
   following the label's model number with a webhook of its own (``/r/<i>`` on one receiver);
2. one receiver on 127.0.0.1 (asyncio, HTTP/1.1 keep-alive) that answers 200 and counts
   distinct ``Webhook-Id``s;
3. ``jcstar serve`` on 127.0.0.1; the operator revokes the label through the API; time from
   the revocation's answer to the last receiver's first delivery;
4. the same again on a fresh database, killing the server with SIGKILL once a third of the
   receivers have theirs, and starting it again (lease ``--lease`` s): time to all, how many
   deliveries were lost (must be 0) and how many came twice (same delivery id, dropped by the
   receiver; only those acknowledged but not yet recorded when the server died).

Not a test: it prints figures (docs/notifications.md, the issue note).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from jcstar.labels.standing import model_key
from jcstar.registry import migrate
from jcstar.registry.accounts.models import Org
from jcstar.registry.db import lock_for_write, make_engine, session_factory, utcnow
from jcstar.registry.demo import seed
from jcstar.registry.labels.models import LabelModel
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from jcstar.registry.watch.models import Channel, Watch

ROOT = Path(__file__).resolve().parents[1]


class Receiver:
    """Counts every webhook by its ``Webhook-Id`` (and when it first came)."""

    def __init__(self) -> None:
        self.times: Counter[str] = Counter()
        self.last_new = 0.0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def distinct(self) -> int:
        return len(self.times)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (
                        line.decode("latin-1").partition(":") for line in head.split(b"\r\n")[1:]
                    )
                    if k
                }
                await reader.readexactly(int(headers.get("content-length", "0")))
                delivery = headers.get("webhook-id", "")
                if delivery not in self.times:
                    self.last_new = time.monotonic()
                self.times[delivery] += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> Receiver:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


def prepare(settings: Settings, watchers: int, receiver_url: str) -> tuple[str, str]:
    """The demo label and ``watchers`` procurers following it; (registration no, token)."""
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    demo = seed(settings)
    with session_factory(engine)() as session:
        lock_for_write(session)
        model = session.scalars(select(LabelModel.model_number)).first() or ""
        at = utcnow()
        orgs = [
            {"name": f"Bench Procurer {i:05d}", "kind": "procurer", "created_at": at}
            for i in range(watchers)
        ]
        session.execute(insert(Org), orgs)
        ids = session.scalars(
            select(Org.id).where(Org.name.startswith("Bench Procurer ")).order_by(Org.name)
        ).all()
        common = {"created_at": at, "created_by": "bench"}
        session.execute(
            insert(Watch),
            [
                {**common, "org_id": i, "kind": "model", "number": model, "key": model_key(model)}
                for i in ids
            ],
        )
        session.execute(
            insert(Channel),
            [
                {
                    **common,
                    "org_id": org,
                    "kind": "webhook",
                    "target": f"{receiver_url}/r/{n}",
                    "secret": "whsec_YmVuY2hiZW5jaGJlbmNo",
                }
                for n, org in enumerate(ids)
            ],
        )
        session.commit()
    engine.dispose()
    return demo.registration_no, demo.operator_token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(
    settings: Settings, workdir: Path, lease_s: float
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    env |= {
        "JCSTAR_DATABASE_URL": settings.database_url,
        "JCSTAR_KEY_DIR": str(settings.key_dir),
        "JCSTAR_BASE_URL": settings.base_url,
        "JCSTAR_OUTBOX_POLL_S": "0.2",
        "JCSTAR_WEBHOOK_ALLOW_PRIVATE": "1",
        "JCSTAR_OUTBOX_LEASE_S": str(lease_s),
    }
    log = (workdir / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "jcstar", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jcstar serve exited: see {workdir / 'serve.log'}")
            try:
                if httpx.get(f"{url}/.well-known/jwks.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("jcstar serve did not start")
            time.sleep(0.2)
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def wait_for(predicate: object, limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def recorded(settings: Settings) -> list[tuple[str, str, dt.datetime | None]]:
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            query = select(Delivery.delivery_id, Delivery.state, Delivery.delivered_at)
            return [(d, s, at) for d, s, at in session.execute(query)]
    finally:
        engine.dispose()


def run(base: Settings, workdir: Path, watchers: int, kill: bool, lease_s: float) -> None:
    settings = replace(base, key_dir=workdir / "keys")
    with Receiver() as receiver:
        t = time.perf_counter()
        number, token = prepare(settings, watchers, f"http://127.0.0.1:{receiver.port}")
        print(f"  prepared {watchers} watchers in {time.perf_counter() - t:.1f} s")
        with served(settings, workdir, lease_s) as (process, url):
            t0 = time.monotonic()
            answer = httpx.post(
                f"{url}/api/v1/labels/{number}/revoke",
                json={"reason": "bench"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            )
            answer.raise_for_status()
            revoked_s = time.monotonic() - t0
            print(f"  revocation answered in {revoked_s:.2f} s ({watchers} outbox rows written)")
            killed_at = None
            if kill:
                wait_for(lambda: receiver.distinct() >= watchers // 3, 120)
                killed_at = dt.datetime.now(tz=dt.UTC)
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                at_kill = receiver.distinct()
                print(f"  kill -9 after {time.monotonic() - t0:.2f} s: {at_kill} received")
            else:
                done = wait_for(lambda: receiver.distinct() >= watchers, 300)
        if kill:
            with served(settings, workdir, lease_s):
                restarted = time.monotonic()
                done = wait_for(lambda: receiver.distinct() >= watchers, 300)
                print(f"  restarted: the rest arrived {receiver.last_new - restarted:.2f} s after")
        total = receiver.last_new - t0
        rows = recorded(settings)
        lost = watchers - receiver.distinct()
        twice = sum(n - 1 for n in receiver.times.values())
        before = {d for d, _, at in rows if killed_at and at and at <= killed_at}
        resent_after_recorded = sum(1 for d in before if receiver.times[d] > 1)
        print(
            f"  all {receiver.distinct()}/{watchers} delivered: {'yes' if done else 'NO'};"
            f" revocation → last delivery {total:.2f} s ({receiver.distinct() / total:.0f}/s)"
        )
        print(
            f"  lost {lost}; received twice (same id) {twice};"
            f" recorded before the kill yet sent again {resent_after_recorded};"
            f" outbox delivered {sum(1 for _, s, _ in rows if s == 'delivered')}/{len(rows)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default SQLite)")
    parser.add_argument("--lease", type=float, default=5.0, help="lease seconds after a crash")
    args = parser.parse_args()
    for kill in (False, True):
        with tempfile.TemporaryDirectory(prefix="jcstar-bench-notify-") as tmp:
            workdir = Path(tmp)
            url = args.database_url or f"sqlite:///{workdir / 'registry.db'}"
            if args.database_url and kill:
                print("(--database-url: the kill run needs a second empty database; skipped)")
                break
            base = Settings(database_url=url, key_dir=workdir / "keys", base_url="http://127.0.0.1")
            print(
                f"{'with kill -9 and restart' if kill else 'one revocation'} ({url.split(':')[0]}):"
            )
            run(base, workdir, args.watchers, kill, args.lease)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
