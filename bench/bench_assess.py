"""Time the library path a vendor runs: catalog load, crosswalk, assessment, each renderer.

Run: .venv/bin/python bench/bench_assess.py [ROUNDS]
Prints mean milliseconds per step and peak resident memory. Not a test: no assertions.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from jcstar.assessment.service import assess_files
from jcstar.catalog.crosswalk import CrosswalkGraph
from jcstar.catalog.loader import _load, data_dir, load_catalog
from jcstar.reports import render

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "conformant-gateway"


def timed(label: str, rounds: int, step: Callable[[], object]) -> None:
    step()  # warm up imports and caches
    started = time.perf_counter()
    for _ in range(rounds):
        step()
    mean_ms = (time.perf_counter() - started) / rounds * 1000
    print(f"{label:<32} {mean_ms:9.2f} ms")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20

    def cold_catalog() -> object:
        _load.cache_clear()
        return load_catalog(data_dir())

    timed("catalog load (uncached)", rounds, cold_catalog)
    graph = CrosswalkGraph(load_catalog())
    timed("crosswalk nistir-8425 -> cls-2", rounds, lambda: graph.project("nistir-8425", "cls-2"))
    report = assess_files(EXAMPLE / "profile.yaml", EXAMPLE / "answers.yaml")
    timed(
        "assess conformant example",
        rounds,
        lambda: assess_files(EXAMPLE / "profile.yaml", EXAMPLE / "answers.yaml"),
    )
    for fmt in ("json", "md", "html", "xlsx", "oscal"):
        timed(f"render {fmt}", rounds, lambda fmt=fmt: render(report, fmt))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak resident memory':<32} {peak_mb:9.1f} MB")


if __name__ == "__main__":
    main()
