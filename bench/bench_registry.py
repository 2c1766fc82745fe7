"""Load the registry with many labels, then drive ``jcstar serve`` with wrk on loopback.

Run: .venv/bin/python bench/bench_registry.py [--labels 1000000] [--postgres-url URL]

For SQLite (always) and PostgreSQL (with --postgres-url: an empty database or schema, e.g.
``...?options=-csearch_path%3Dbench,public``; reused when it already holds N labels):
1. bulk-load N labels (vendors, products and model numbers in Japanese and English) through the
   registry's migrations and tables, executemany in batches of 10,000; every row carries one
   precomputed JWS (a real Ed25519 signature of a typical label, but not of that row: signing
   a million labels would time Ed25519, not the registry), so served labels do not verify;
2. start ``jcstar serve`` on 127.0.0.1 and a minimal FastAPI app (bench/registry_minimal_app.py)
   under the same uvicorn settings (--workers processes each, 2 by default: one per core here);
3. wrk each: the minimal endpoint, ``GET /api/v1/labels/{registration_no}`` for random
   registration numbers, and ``GET /api/v1/labels?q=WORD`` for random search words; each twice:
   at --connections (32) for throughput, and at --light-connections (4) for latency, since a
   closed-loop generator at saturation measures mostly queueing (latency ≈ connections ÷ rate);
4. print requests/s and p50/p95/p99 latency, and the goals: lookup at least half the minimal
   endpoint's throughput (saturated runs) with p99 < 20 ms, search p95 < 50 ms (light runs).

Not a test: no assertions; the figures go in bench/REGISTRY.md. Needs wrk (Debian package).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from jcstar.labels import Keyring, LabelClaims
from jcstar.registry.accounts.models import Org
from jcstar.registry.db import make_engine
from jcstar.registry.labels.documents import LabelDocument, body_of
from jcstar.registry.labels.models import Label, LabelEvent, LabelModel
from jcstar.registry.labels.schemas import LabelPublic, StatusEventPublic
from jcstar.registry.migrate import upgrade
from jcstar.registry.search_keys import search_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_data import SyntheticLabel, labels, search_words, vendor_names

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "registry_wrk.lua"
BATCH = 10_000
SAMPLE_PATHS = 20_000
BASE_URL = "http://127.0.0.1"
T = TypeVar("T")
# what `jcstar serve` gives uvicorn besides host, port and workers (log_level="info": access log
# on); the baseline gets the same, and the same number of workers
UVICORN_SETTINGS = ("--log-level", "info")


# -- loading ----------------------------------------------------------------------------------


def migrate(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def one_signature(key_dir: Path) -> str:
    """The one JWS every row carries (see the module docstring)."""
    claims = LabelClaims(
        registration_no="JC1-2026-000001",
        level=1,
        vendor="Example Energy Systems K.K.",
        product="HEMS Gateway HG-100",
        model_numbers=("HG-100",),
        issued_on=date(2026, 1, 5),
        expires_on=date(2028, 1, 5),
        product_url=f"{BASE_URL}/p/JC1-2026-000001",
        issuer=BASE_URL,
    )
    return Keyring.load_or_create(key_dir).sign(claims)


def batches(rows: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _drop_search_indexes(engine: sa.Engine) -> list[str]:
    """PostgreSQL: drop the search indexes for the load, returning what recreates them.

    Built once after the load they take about a minute; kept up row by row, the GIN indexes
    (trigrams and grams, ~140 keys a label) slowed the load from ~4 to ~30 minutes."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.begin() as conn:
        found = conn.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = 'labels' AND indexname LIKE 'ix_labels_search_text_%'"
            )
        ).all()
        for name, _ in found:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in found]


def load(database_url: str, count: int, key_dir: Path) -> float:
    """Insert ``count`` labels with executemany in batches; returns seconds taken."""
    started = time.perf_counter()
    migrate(database_url)
    engine = make_engine(database_url)
    jws = one_signature(key_dir)
    rng = random.Random(5)
    names = vendor_names(rng)
    created = _utc(date(2025, 1, 6))
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Org),
            [
                {"id": i + 1, "name": name, "kind": "vendor", "created_at": created}
                for i, name in enumerate(names)
            ],
        )
    issued_base = date(2025, 1, 6)
    label_id = 0
    search_indexes = _drop_search_indexes(engine)
    for chunk in batches(labels(count)):
        label_rows: list[dict[str, object]] = []
        model_rows: list[dict[str, object]] = []
        event_rows: list[dict[str, object]] = []
        doc_rows: list[dict[str, object]] = []
        for item in chunk:
            label_id += 1
            issued = issued_base + timedelta(days=(label_id * 7) % 700)
            vendor = names[item.vendor_index]
            label_rows.append(
                {
                    "id": label_id,
                    "registration_no": item.registration_no,
                    "application_id": None,
                    "vendor_org_id": item.vendor_index + 1,
                    "vendor": vendor,
                    "product": item.product,
                    "level": item.level,
                    "issued_on": issued,
                    "expires_on": issued + timedelta(days=730),
                    "support_period_end": issued + timedelta(days=1825),
                    "vulnerability_contact": "https://example.com/security",
                    "status": "valid" if label_id % 50 else "suspended",
                    "product_url": f"{BASE_URL}/p/{item.registration_no}",
                    "jws": jws,
                    "search_text": search_key(
                        vendor, item.product, item.model_numbers, item.registration_no
                    ),
                }
            )
            model_rows += [
                {"label_id": label_id, "position": p, "model_number": m}
                for p, m in enumerate(item.model_numbers)
            ]
            event_rows.append(
                {
                    "label_id": label_id,
                    "event": "issued",
                    "status": "valid",
                    "at": _utc(issued),
                    "by_org_id": 1,
                    "reason": None,
                    "expires_on": issued + timedelta(days=730),
                }
            )
            doc_rows.append({"label_id": label_id, "body": _document(label_rows[-1], item)})
        with engine.begin() as conn:
            conn.execute(sa.insert(Label), label_rows)
            conn.execute(sa.insert(LabelModel), model_rows)
            conn.execute(sa.insert(LabelEvent), event_rows)
            conn.execute(sa.insert(LabelDocument), doc_rows)
        print(f"\r  loaded {label_id:,} labels", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for definition in search_indexes:
                conn.execute(sa.text(definition))
        # as after any bulk load (autovacuum would get there later): the planner's estimates
        # come from ANALYZE's sample, and the search's walk reads no table rows only where
        # VACUUM has marked the pages all-visible
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _document(row: dict[str, object], item: SyntheticLabel) -> str:
    """The stored public JSON of a loaded label, built as the registry builds it."""
    fields = {k: row[k] for k in LabelPublic.model_fields if k in row}
    public = LabelPublic.model_validate(
        {
            **fields,
            "model_numbers": list(item.model_numbers),
            "qr": f"{row['product_url']}#{row['jws']}",
            "status_history": [
                StatusEventPublic(
                    status="valid",
                    event="issued",
                    at=_utc(row["issued_on"]),  # type: ignore[arg-type]
                    reason=None,
                    expires_on=row["expires_on"],  # type: ignore[arg-type]
                )
            ],
            "notices": [],
        }
    )
    return body_of(public)


def _utc(day: date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC)


# -- serving and driving ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(command: list[str], port: int, env: dict[str, str], log: Path) -> Iterator[str]:
    """A server process on 127.0.0.1:port until the block ends; stopped by its pid."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"{command[0]} exited with {process.returncode}; see {log}")
                try:
                    httpx.get(url + "/openapi.json", timeout=2)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"no answer on {url} after 120 s; see {log}") from None
                    time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass(frozen=True)
class Figures:
    name: str
    connections: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    failures: int
    completed: int


def settle(url: str, path: str) -> None:
    """Wait until the server has worked off requests wrk abandoned when it stopped: a request
    queued behind them returns only then, so the next run starts on an idle server."""
    httpx.get(url + path, timeout=600)


def drive(
    name: str, url: str, paths: list[str], connections: int, args: argparse.Namespace, work: Path
) -> Figures:
    """wrk against ``url`` with requests spread over ``paths``; a short warm-up first."""
    path_file = work / f"{name.split()[0]}.paths"
    path_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    env = {**os.environ, "JCSTAR_BENCH_PATHS": str(path_file)}
    threads = min(args.threads, connections)
    base = ["wrk", "-t", str(threads), "-c", str(connections), "--timeout", "10s"]
    base += ["-s", str(WRK_SCRIPT)]
    subprocess.run([*base, "-d", "2s", url], env=env, capture_output=True, check=True)
    settle(url, paths[0])
    done = subprocess.run(
        [*base, "-d", f"{args.duration}s", url], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    settle(url, paths[0])
    return Figures(
        name=name,
        connections=connections,
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        failures=result["non2xx"] + result["socket_errors"],
        completed=result["requests"],
    )


def drive_both(
    name: str, url: str, paths: list[str], args: argparse.Namespace, work: Path
) -> tuple[Figures, Figures]:
    """Saturated (throughput) and light (service latency) runs of one endpoint."""
    saturated = drive(name, url, paths, args.connections, args, work)
    light = drive(name, url, paths, args.light_connections, args, work)
    return saturated, light


def print_figures(title: str, rows: list[Figures]) -> None:
    print(f"\n{title}")
    header = f"  {'endpoint':<26} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
    print(header + f" {'p99 ms':>8} {'errors':>7}")
    for row in rows:
        if not row.completed:
            print(f"  {row.name:<26} {row.connections:5d} no request completed in the run")
            continue
        print(
            f"  {row.name:<26} {row.connections:5d} {row.rps:8.0f} {row.p50_ms:8.2f} "
            f"{row.p95_ms:8.2f} {row.p99_ms:8.2f} {row.failures:7d}"
        )


def _clean(*runs: Figures) -> bool:
    """A goal counts only if requests completed and none failed (non-2xx, timeouts)."""
    return all(run.completed > 0 and run.failures == 0 for run in runs)


def print_goals(figures: dict[tuple[str, int], Figures], args: argparse.Namespace) -> None:
    heavy, light = args.connections, args.light_connections
    minimal = figures[("minimal", heavy)]
    lookup, lookup_light = figures[("lookup", heavy)], figures[("lookup", light)]
    search_light = figures[("search", light)]
    ratio = lookup.rps / minimal.rps
    held = ratio >= 0.5 and lookup_light.p99_ms < 20 and _clean(lookup, lookup_light)
    verdict = "met" if held else "NOT met"
    print(
        f"  goal: lookup >= 0.5x minimal throughput ({ratio:.2f}x at {heavy} connections) and "
        f"p99 < 20 ms ({lookup_light.p99_ms:.1f} ms at {light}): {verdict}"
    )
    held = search_light.p95_ms < 50 and _clean(search_light)
    verdict = "met" if held else "NOT met"
    print(f"  goal: search p95 < 50 ms ({search_light.p95_ms:.1f} ms at {light}): {verdict}")


# -- the run ----------------------------------------------------------------------------------


def sample_paths(database_url: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Lookup paths for registration numbers that exist, and search paths for common words."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.max(Label.id))).scalar_one()
        ids = [rng.randint(1, total) for _ in range(SAMPLE_PATHS)]
        numbers: list[str] = []
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            numbers += conn.execute(
                sa.select(Label.registration_no).where(Label.id.in_(chunk))
            ).scalars()
    engine.dispose()
    lookups = [f"/api/v1/labels/{quote(n)}" for n in numbers]
    searches = [f"/api/v1/labels?q={quote(w)}&limit=20" for w in search_words(rng)]
    return lookups, searches


def labels_loaded(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(Label)).scalar_one())
    except sa.exc.DBAPIError:
        return 0
    finally:
        engine.dispose()


def bench_database(title: str, database_url: str, args: argparse.Namespace, work: Path) -> None:
    key_dir = work / "keys"
    have = labels_loaded(database_url)
    if have == args.labels:
        print(f"{title}: reusing {have:,} labels already loaded", file=sys.stderr)
    else:
        if have:
            raise SystemExit(
                f"{title}: the database holds {have:,} labels, not {args.labels:,}; "
                "give an empty one"
            )
        seconds = load(database_url, args.labels, key_dir)
        print(f"{title}: loaded {args.labels:,} labels in {seconds:.0f} s", file=sys.stderr)
    lookups, searches = sample_paths(database_url, random.Random(7))

    env = {
        **os.environ,
        "JCSTAR_DATABASE_URL": database_url,
        "JCSTAR_KEY_DIR": str(key_dir),
    }
    minimal_cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "registry_minimal_app:app",
        "--app-dir",
        str(HERE),
    ]
    serve_cmd = [sys.executable, "-m", "jcstar", "serve", "--database-url", database_url]
    figures: dict[tuple[str, int], Figures] = {}

    def record(key: str, pair: tuple[Figures, Figures]) -> None:
        for row in pair:
            figures[(key, row.connections)] = row

    port = free_port()
    workers = ["--workers", str(args.workers)]
    minimal_args = [*minimal_cmd, "--host", "127.0.0.1", "--port", str(port), *UVICORN_SETTINGS]
    minimal_args += workers
    if "minimal" in args.endpoints:
        with serving(minimal_args, port, env, work / "minimal.log") as url:
            record("minimal", drive_both("minimal FastAPI /ping", url, ["/ping"], args, work))
    port = free_port()
    serve_args = [*serve_cmd, "--host", "127.0.0.1", "--port", str(port), *workers]
    if {"lookup", "search"} & set(args.endpoints):
        with serving(serve_args, port, env, work / "serve.log") as url:
            if "lookup" in args.endpoints:
                pair = drive_both("lookup by registration_no", url, lookups, args, work)
                record("lookup", pair)
            if "search" in args.endpoints:
                record("search", drive_both("search q=WORD", url, searches, args, work))
    print_figures(
        f"{title}: {args.labels:,} labels; {args.workers} uvicorn worker(s) each;"
        f" wrk -t{args.threads} -d{args.duration}s at {args.connections} and"
        f" {args.light_connections} connections; load average {os.getloadavg()[0]:.1f}",
        list(figures.values()),
    )
    heavy = args.connections
    if {"minimal", "lookup", "search"} <= set(args.endpoints):
        print_goals(figures, args)
    elif {"minimal", "lookup"} <= set(args.endpoints):  # the lookup's ratio without search
        ratio = figures[("lookup", heavy)].rps / figures[("minimal", heavy)].rps
        print(f"  lookup: {ratio:.2f}x the minimal endpoint's req/s at {heavy} connections")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1_000_000, help="labels to load")
    parser.add_argument("--postgres-url", help="also bench PostgreSQL (its tables are created)")
    parser.add_argument("--workdir", type=Path, help="keep the SQLite file here and reuse it")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32, help="for throughput")
    parser.add_argument(
        "--light-connections", type=int, default=4, help="for latency (little queueing)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes, for both servers alike"
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated, of sqlite,postgresql (postgresql needs --postgres-url)",
    )
    parser.add_argument(
        "--endpoints", default="minimal,lookup,search", help="comma-separated, of the same"
    )
    args = parser.parse_args()
    args.databases = args.databases.split(",")
    args.endpoints = args.endpoints.split(",")
    for option, chosen, allowed in (
        ("--databases", args.databases, ("sqlite", "postgresql")),
        ("--endpoints", args.endpoints, ("minimal", "lookup", "search")),
    ):
        if not set(chosen) <= set(allowed):
            parser.error(f"{option}: choose from {','.join(allowed)}, not {','.join(chosen)}")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if not args.postgres_url:
        if args.databases == ["postgresql"]:
            parser.error("--databases postgresql needs --postgres-url")
        args.databases = ["sqlite"]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jcstar-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if "sqlite" in args.databases:
        bench_database("SQLite", f"sqlite:///{work / 'registry.db'}", args, work)
    if "postgresql" in args.databases:
        bench_database("PostgreSQL", args.postgres_url, args, work)


if __name__ == "__main__":
    main()
