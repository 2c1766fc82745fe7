"""The reminder scan at scale: CPU seconds and statements, before and after, beside one lookup.

Run: .venv/bin/python bench/bench_reminders.py [--labels 200000] [--watchers 1000]
     [--follows 20] [--on 2027-03-01] [--before REV] [--work DIR] [--database-url URL]

1. load N synthetic labels (``bench_registry.load``: the registry's migrations and tables,
   executemany; reused when the database already holds N labels). Their expiries run from
   2027-01-06 to 2028-12-06, so a scan on ``--on`` (default 2027-03-01) finds some expired
   (~8%) and some expiring within 90 days (~13%);
2. give every vendor a webhook channel (vendors are reminded of their own labels), and add
   ``--watchers`` procurers, each with a channel, following ``--follows`` model numbers and one
   registration number (every tenth at its own ``remind_days``);
3. for each implementation (``--before REV``: ``registry/outbox/reminders.py`` as it was in
   that git revision, then the working tree's), on an outbox emptied of reminders: the first
   scan (writes every reminder due), then a second (the hourly scan with nothing new), each
   with CPU seconds of this process (SQLite runs in it; with ``--database-url`` PostgreSQL's
   own CPU is not counted: say so when quoting), wall seconds, statements sent and reminders
   written; and one bare lookup of a label by registration number, for scale.

Not a test: no assertions; figures go in the report and docs/notifications.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import labels_loaded, load
from registry_data import labels

from jcstar.labels.standing import model_key
from jcstar.registry.accounts.models import Org
from jcstar.registry.db import make_engine
from jcstar.registry.labels.models import Label
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from jcstar.registry.watch.models import Channel, Watch

ROOT = Path(__file__).resolve().parents[1]
MODULE = "src/jcstar/registry/outbox/reminders.py"
CREATED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
Scan = Callable[[Session, Settings, dt.date], int]


def add_receivers(engine: sa.Engine, count: int, watchers: int, follows: int) -> None:
    """Channels for every vendor, and ``watchers`` procurers following numbers (once)."""
    with Session(engine) as session:
        if session.scalar(sa.select(sa.func.count()).select_from(Channel)):
            return
        vendor_ids = list(session.scalars(sa.select(Org.id).where(Org.kind == "vendor")))
        rng = random.Random(17)
        every = [(item.registration_no, item.model_numbers) for item in labels(count)]
        first = (session.scalar(sa.select(sa.func.max(Org.id))) or 0) + 1
        procurers = list(range(first, first + watchers))
        session.execute(
            sa.insert(Org),
            [
                {"id": i, "name": f"Procurer {i}", "kind": "procurer", "created_at": CREATED}
                for i in procurers
            ],
        )
        session.execute(
            sa.insert(Channel),
            [
                {
                    "org_id": org,
                    "kind": "webhook",
                    "target": f"http://127.0.0.1:9/r/{org}",
                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    "created_at": CREATED,
                    "created_by": "bench",
                }
                for org in vendor_ids + procurers
            ],
        )
        watch_rows: list[dict[str, Any]] = []
        for n, org in enumerate(procurers):
            remind = 30 if n % 10 == 0 else None
            picked = rng.sample(every, follows + 1)
            models = {m for _, ms in picked[:follows] for m in ms[:1]}
            for number in models:
                watch_rows.append(_watch(org, "model", number, remind))
            watch_rows.append(_watch(org, "registration", picked[-1][0], remind))
        session.execute(sa.insert(Watch), watch_rows)
        session.commit()


def _watch(org: int, kind: str, number: str, remind: int | None) -> dict[str, Any]:
    return {
        "org_id": org,
        "kind": kind,
        "number": number,
        "key": model_key(number),
        "remind_days": remind,
        "created_at": CREATED,
        "created_by": "bench",
    }


def module_at(revision: str) -> types.ModuleType:
    """``reminders.py`` as it was in ``revision``, importable beside today's."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{MODULE}"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    module = types.ModuleType(f"reminders_at_{revision}")
    exec(compile(source, f"{revision}:{MODULE}", "exec"), module.__dict__)
    return module


@contextmanager
def counted(engine: sa.Engine) -> Iterator[list[int]]:
    """Statements sent to the database while the block runs (an executemany counts once)."""
    sent = [0]

    def count(*_args: Any) -> None:
        sent[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def measure(engine: sa.Engine, run: Callable[[Session], int]) -> tuple[float, float, int, int]:
    """(CPU s, wall s, statements, result) of ``run`` in a fresh session."""
    with counted(engine) as sent, Session(engine) as session:
        cpu, wall = time.process_time(), time.perf_counter()
        result = run(session)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu, wall, sent[0], result


def bench_scan(
    engine: sa.Engine, name: str, scan: Scan, settings: Settings, on: dt.date
) -> set[tuple[Any, ...]]:
    """Both scans' figures; the reminders written (key, receiver, label, type)."""
    with engine.begin() as conn:
        conn.execute(sa.delete(Delivery).where(Delivery.dedupe_key.is_not(None)))
    for which in ("first scan (writes)", "second scan (nothing new)"):
        cpu, wall, sent, written = measure(engine, lambda s: scan(s, settings, on))
        print(
            f"  {name:<28} {which:<26} {cpu:8.2f} s CPU {wall:8.2f} s wall "
            f"{sent:>9,} statements {written:>9,} reminders written"
        )
    with engine.connect() as conn:
        columns = (Delivery.dedupe_key, Delivery.org_id, Delivery.label_id, Delivery.event)
        return {tuple(r) for r in conn.execute(sa.select(*columns).where(columns[0].is_not(None)))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=int, default=200_000)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--follows", type=int, default=20)
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date(2027, 3, 1))
    parser.add_argument("--before", default=None, help="git revision of the scan to compare")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--database-url", default=None, help="default: SQLite in --work")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    work.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{work / 'registry.db'}"
    print(f"reminder bench: {args.labels:,} labels, {args.watchers:,} watchers, on {args.on}")
    print(f"  in {work}; load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    if labels_loaded(database_url) != args.labels:
        started = time.perf_counter()
        load(database_url, args.labels, work / "keys")
        print(f"  loaded in {time.perf_counter() - started:.1f} s")
    engine = make_engine(database_url)
    add_receivers(engine, args.labels, args.watchers, args.follows)
    settings = Settings(database_url=database_url)

    number = next(iter(labels(1))).registration_no
    for _ in range(2):  # the second, warm, is the one quoted
        cpu, wall, sent, _ = measure(
            engine,
            lambda s: len(s.execute(sa.select(Label).where(Label.registration_no == number)).all()),
        )
    print(f"  {'one bare lookup':<55} {cpu:8.4f} s CPU {wall:8.4f} s wall {sent:>9,} statements")
    before = None
    if args.before:
        scan = module_at(args.before).scan
        before = bench_scan(engine, f"scan at {args.before}", scan, settings, args.on)
    from jcstar.registry.outbox import reminders

    after = bench_scan(engine, "scan (working tree)", reminders.scan, settings, args.on)
    if before is not None:
        print(
            f"  the same reminders (key, receiver, label, type) as {args.before}: {before == after}"
        )
    engine.dispose()
    print(f"  load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
