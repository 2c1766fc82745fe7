"""Status for machines: bulk status against single lookups, and the signed snapshot.

Run: .venv/bin/python bench/bench_status.py [--labels 1000000] [--lookups 100000]
     [--singles 1000] [--workers 2] [--work DIR]

1. load N synthetic labels into a SQLite registry (``bench_registry.load``: the registry's
   migrations and tables, executemany; reused when DIR already holds N labels);
2. start ``jcstar serve`` on 127.0.0.1 (``--workers`` processes);
3. pick ``--lookups`` model numbers: nine in ten from the loaded labels (a third of those in
   full width or lower case), one in ten unknown;
4. time them through the bulk endpoint (``RegistryStatusSource``: 10,000 a request, one
   connection), against single lookups over one kept-alive connection, the same run:
   ``GET /api/v1/public/accepted?model=`` (the public per-model-number check) and
   ``GET /api/v1/labels?model=`` (search by model number). Single lookups are sampled
   (``--singles`` of the same numbers) and their time extrapolated to ``--lookups``: say so
   when quoting;
5. time the snapshot: built and signed (the first ``snapshot.sig``), downloaded, verified
   offline (``verify_snapshot``), opened as a ``SnapshotStatusSource`` (verify + index) and
   the same ``--lookups`` model numbers looked up in it; peak memory of this process.

The labels are loaded with their transparency log (``registry_log.write_log``: as the
registry issues them), so the servers' start-up log check finds the tables agree. The servers
run without the outbox worker and its reminder scan unless ``--notify``; the scan's read is
timed apart, in process (it runs in every server process at start-up and hourly).

Not a test: no assertions; figures go in docs/status-and-snapshots.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import BASE_URL, free_port, labels_loaded, load
from registry_data import labels
from registry_log import logged_entries, write_log

from jcstar.client.bulk import RegistryStatusSource
from jcstar.client.snapshot import SnapshotStatusSource, verify_snapshot


def pick_models(count: int, lookups: int, rng: random.Random) -> list[str]:
    """``lookups`` model numbers as a buyer's list would hold them (see the docstring)."""
    every = [m for item in labels(count) for m in item.model_numbers]
    picked = []
    for i in range(lookups):
        if i % 10 == 9:
            picked.append(f"UNKNOWN-{i}")
            continue
        model = rng.choice(every)
        if i % 3 == 0:
            model = unicodedata.normalize("NFKC", model).lower()
        elif i % 3 == 1:  # full width, as typed on a Japanese keyboard
            model = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in model)
        picked.append(model)
    return picked


#: each server process checks the whole log against the tables at start-up: a million labels
#: take a minute or two on a shared machine
STARTUP_S = 900
STARTED = b"Application startup complete."


@contextmanager
def serving(
    command: list[str], port: int, env: dict[str, str], log: Path, workers: int
) -> Iterator[tuple[str, int]]:
    """``bench_registry.serving`` with room for that start-up, and until every worker has
    started (one answering while another still checks its log would share the cores with the
    timings); stopped by its pid."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_S
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"jcstar serve exited with {process.returncode}; see {log}")
                if log.read_bytes().count(STARTED) >= workers:
                    try:
                        httpx.get(url + "/openapi.json", timeout=2)
                        break
                    except httpx.HTTPError:
                        pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"no answer on {url} after {STARTUP_S} s") from None
                time.sleep(0.5)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def resident_mb(pid: int) -> list[int]:
    """Resident memory (MB) of ``pid``'s child processes (the server's workers), or of ``pid``
    itself when it has none (one worker serves in the parent)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = []
    for child in [int(c) for c in children] or [pid]:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found.append(int(line.split()[1]) // 1024)
    return found


def reminder_scan_s(database_url: str) -> float:
    """One reminder scan's read, in process: what each server process runs at start-up and
    then hourly (``registry.outbox.reminders``; the bench servers run without it)."""
    from jcstar.registry.db import make_engine, utcnow
    from jcstar.registry.outbox import reminders
    from jcstar.registry.settings import Settings

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            started = time.perf_counter()
            reminders._missing(session, Settings(database_url=database_url), utcnow().date())
            return time.perf_counter() - started
    finally:
        engine.dispose()


def timed(label: str, seconds: float, extra: str = "") -> float:
    print(f"  {label:<54} {seconds:9.2f} s {extra}")
    return seconds


def singles(url: str, path: str, models: list[str]) -> float:
    with httpx.Client(base_url=url, timeout=60) as http:
        started = time.perf_counter()
        for model in models:
            response = http.get(path, params={"model": model})
            response.raise_for_status()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--singles", type=int, default=1_000, help="0: no single lookups")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--single-paths",
        default="/api/v1/public/accepted,/api/v1/labels",
        help="the single lookups to sample, comma-separated",
    )
    parser.add_argument(
        "--notify",
        action="store_true",
        help="keep the server's outbox worker and reminder scan (off: timed apart, in process)",
    )
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-status-"))
    work.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{work / 'registry.db'}"
    key_dir = work / "keys"
    print(f"status bench: {args.labels:,} labels, {args.lookups:,} model numbers, in {work}")
    print(f"  load average {os.getloadavg()[0]:.1f} at start, {os.cpu_count()} cores")

    if labels_loaded(database_url) != args.labels:
        timed("load labels (executemany, SQLite)", load(database_url, args.labels, key_dir))
    if not logged_entries(database_url):
        timed("write their log entries and checkpoint", write_log(database_url, key_dir, BASE_URL))
    models = pick_models(args.labels, args.lookups, random.Random(13))

    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")},
        "JCSTAR_KEY_DIR": str(key_dir),
        "JCSTAR_BASE_URL": f"http://127.0.0.1:{port}",
        **({} if args.notify else {"JCSTAR_NOTIFY": "0"}),
    }
    command = [
        sys.executable, "-m", "jcstar", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--database-url", database_url, "--workers", str(args.workers),
    ]  # fmt: skip
    started = time.perf_counter()
    with serving(command, port, env, work / "serve.log", args.workers) as (url, pid):
        timed(
            f"server started ({args.workers} workers, log checked)", time.perf_counter() - started
        )
        print(f"  resident memory of each worker: {resident_mb(pid)} MB")
        print("online")
        started = time.perf_counter()
        with RegistryStatusSource(url) as source:
            found = source.lookup(models, [])
        bulk_s = timed(f"bulk: {args.lookups:,} model numbers", time.perf_counter() - started)
        matched = sum(1 for records in found.by_model.values() if records)
        print(f"  ({matched:,} of {len(found.by_model):,} distinct numbers matched a label)")

        sample = models[: args.singles]
        scale = args.lookups / max(len(sample), 1)
        for path in args.single_paths.split(",") if sample else ():
            sampled = singles(url, path, sample)
            whole = sampled * scale
            timed(
                f"single: GET {path}?model= x{args.lookups:,}",
                whole,
                f"(sampled {len(sample):,} in {sampled:.2f} s; {whole / bulk_s:,.0f}x bulk)",
            )

        print("snapshot")
        with httpx.Client(base_url=url, timeout=600) as http:
            started = time.perf_counter()
            sig = http.get("/api/v1/public/snapshot.sig")
            sig.raise_for_status()
            timed("built and signed (first snapshot.sig)", time.perf_counter() - started)
            (work / "snapshot.sig").write_text(sig.text)
            started = time.perf_counter()
            with (
                http.stream("GET", "/api/v1/public/snapshot") as body,
                (work / "snapshot.jsonl").open("wb") as out,
            ):
                for chunk in body.iter_bytes(1 << 20):
                    out.write(chunk)
            size = (work / "snapshot.jsonl").stat().st_size
            timed("downloaded", time.perf_counter() - started, f"({size / 1e6:,.0f} MB)")
            jwks = http.get("/.well-known/jwks.json").json()

    snapshot, signature = work / "snapshot.jsonl", work / "snapshot.sig"
    started = time.perf_counter()
    info = verify_snapshot(snapshot, signature, jwks)
    timed("verified offline (signature, SHA-256, count)", time.perf_counter() - started)
    print(f"  (serial {info.serial}, {info.count:,} records)")
    started = time.perf_counter()
    offline = SnapshotStatusSource(snapshot, signature, jwks)
    opened = timed("opened as SnapshotStatusSource (verify + index)", time.perf_counter() - started)
    started = time.perf_counter()
    answer = offline.lookup(models, [])
    looked = timed(f"offline lookup: {args.lookups:,} model numbers", time.perf_counter() - started)
    timed("offline in all (open + lookup)", opened + looked)
    same = answer.by_model == found.by_model
    print(f"  offline answer equals the bulk endpoint's: {same}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process: {peak:,.0f} MB")
    if not args.notify:
        timed(
            "reminder scan's read, in process (each worker: start-up, hourly)",
            reminder_scan_s(database_url),
        )
    print(f"  load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
