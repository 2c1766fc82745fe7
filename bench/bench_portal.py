"""The portal's public pages at scale (issue 14): each page's latency and its weight.

Target: at 1,000,000 labels, every public page's server time p95 under 50 ms on 2 cores, and
a page's HTML + CSS under 100 KB without images.

Usage: ``bench/bench_portal.py [--labels N] [--requests R] [--work DIR] [--database-url URL]``.
It loads N synthetic labels with their transparency log (as ``bench_status.py`` does; give the
same ``--work`` to reuse its database, or ``--database-url`` for an empty or already loaded
PostgreSQL database of its own, never one that holds data you keep), starts ``jcstar serve
--workers 1`` on loopback, and asks each public page R times, one at a time over one
kept-alive connection. Latency is measured at the client (request sent to last byte read), so
it is the server's time plus loopback, an upper bound of the server time the target names.
The anchor, in the same run: a bare FastAPI endpoint (``registry_minimal_app.py``) served by the
same uvicorn, asked the same way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import BASE_URL, free_port, labels_loaded, load
from bench_status import serving
from registry_log import logged_entries, write_log

KB = 1024


def timed_gets(client: httpx.Client, path: str, count: int) -> tuple[list[float], int]:
    """``count`` GETs of ``path``: each one's latency in ms, and the body size of the last."""
    times, size = [], 0
    client.get(path)  # warm: templates compiled, caches filled, as a running portal has them
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        size = len(response.content)
    return times, size


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def pages(client: httpx.Client) -> dict[str, str]:
    """The public pages, with a real label and real words to search for."""
    summary = client.get("/api/v1/labels", params={"limit": 1}).json()["items"][0]
    number, vendor = summary["registration_no"], summary["vendor"]
    word = summary["product"].split()[0]
    # the loader names 60% of vendors 株式会社… and stores no revoked label and 2% suspended
    # ones: a common word with a rare status makes the search walk many matches for a few
    common, rare, scarce = "株式会社", "revoked", "suspended"
    return {
        "home": "/",
        "search (a word)": f"/?q={word}",
        "search (vendor filter alone)": f"/?vendor={vendor}",
        "search (vendor filter, level, status)": f"/?vendor={vendor}&level=1&status=valid",
        f"search ({common} + {rare})": f"/?q={common}&status={rare}",
        f"search ({common} + {scarce}, level 4)": f"/?q={common}&level=4&status={scarce}",
        "search (level 1 + valid, no words)": "/?level=1&status=valid",
        f"search (level 4 + {scarce}, no words)": f"/?level=4&status={scarce}",
        "search (page 50)": f"/?q={word}&p=50",
        "product page": f"/p/{number}",
        "verify (form)": "/verify",
        "transparency log": "/log",
        "sign in": "/signin",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument(
        "--database-url", help="a database of the bench's own (default: SQLite in --work)"
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-portal-"))
    work.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{work / 'registry.db'}"
    key_dir = work / "keys"
    engine = database_url.split(":", 1)[0]
    print(
        f"portal bench: {args.labels:,} labels on {engine}, {args.requests} requests a page,"
        f" in {work}"
    )
    have = labels_loaded(database_url)
    if have and have != args.labels:
        raise SystemExit(f"the database holds {have:,} labels, not {args.labels:,}")
    if not have:
        print(f"  loaded labels in {load(database_url, args.labels, key_dir):.1f} s")
    if not logged_entries(database_url):
        print(f"  wrote their log in {write_log(database_url, key_dir, BASE_URL):.1f} s")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")},
        "JCSTAR_KEY_DIR": str(key_dir),
        "JCSTAR_NOTIFY": "0",  # the reminder scan is timed apart (bench_status.py)
    }
    rows: list[tuple[str, float, float, int]] = []
    port = free_port()
    env["JCSTAR_BASE_URL"] = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "jcstar", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--database-url", database_url, "--workers", "1",
    ]  # fmt: skip
    with (
        serving(command, port, env, work / "serve.log", 1) as (url, _pid),
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        css = len(client.get("/static/portal.css").content)
        for name, path in pages(client).items():
            times, size = timed_gets(client, path, args.requests)
            rows.append((name, statistics.median(times), p95(times), size))
    anchor_port = free_port()
    anchor = [
        sys.executable, "-m", "uvicorn", "registry_minimal_app:app", "--host", "127.0.0.1",
        "--port", str(anchor_port), "--log-level", "warning",
    ]  # fmt: skip
    anchor_env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parent)}
    with (
        serving(anchor, anchor_port, anchor_env, work / "anchor.log", 0) as (url, _pid),
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        times, size = timed_gets(client, "/ping", args.requests)
        rows.append(("anchor: bare FastAPI /ping", statistics.median(times), p95(times), size))

    print(f"\n{'page':48} {'p50 ms':>8} {'p95 ms':>8} {'HTML+CSS KB':>12}")
    for name, p50_ms, p95_ms, size in rows:
        weight = (size + (0 if name.startswith("anchor") else css)) / KB
        print(f"{name:48} {p50_ms:8.1f} {p95_ms:8.1f} {weight:12.1f}")
    print(f"\n(style sheet {css / KB:.1f} KB; target: p95 < 50 ms, HTML + CSS < 100 KB)")


if __name__ == "__main__":
    main()
