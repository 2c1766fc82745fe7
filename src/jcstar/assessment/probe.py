"""Probe a live device (or a fleet of them) with the network checks only."""

from __future__ import annotations

import asyncio
import csv
import gc
import json
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkProcess
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from jcstar.assessment.inputs import InputError, load_profile, unnamed_profile
from jcstar.assessment.models import AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.pipeline import assess
from jcstar.assessment.runner import OnAttempt
from jcstar.assessment.targets import TARGETS, with_target
from jcstar.assessment.targets.device import DeviceInputs
from jcstar.checks.network.collect.device import DeviceParams
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.target import TargetError, parse_host

NETWORK_PREFIX = "network."
T = TypeVar("T")


def device_profile(
    host: str, ports: str | None, profile_path: Path | None
) -> tuple[ProductProfile, list[InputDigest]]:
    """The profile to probe with: the given one pointed at ``host``, or a bare one."""
    try:
        address = parse_host(host)
    except TargetError as exc:
        raise InputError(f"HOST: {exc}") from None
    if profile_path is None:
        profile = unnamed_profile(f"device at {address}")
        digests: list[InputDigest] = []
    else:
        profile, digest = load_profile(profile_path)
        digests = [digest]
    base = profile.device.model_dump() if profile.device else {}
    update = {"address": address} | ({"ports": ports} if ports else {})
    try:
        device = DeviceParams.model_validate(base | update)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"--ports: {first['msg']}") from None
    return profile.model_copy(update={"device": device}), digests


async def probe_async(
    profile: ProductProfile,
    digests: list[InputDigest],
    base_dir: Path = Path("."),
    timeout_s: float | None = None,
    pacer: Pacer | None = None,
    on_attempt: OnAttempt | None = None,
) -> AssessmentReport:
    """The network checks on ``profile.device``: the pipeline with the device's pace
    (a fleet's, shared by every device) and only the ``network.`` checks selected."""
    assessed = await assess(
        profile,
        base_dir,
        inputs=digests,
        targets=with_target(TARGETS, DeviceInputs(pacer)),
        select=NETWORK_PREFIX,
        timeout_s=timeout_s,
        on_attempt=on_attempt,
    )
    return assessed.report


# -- fleet mode -------------------------------------------------------------------


@dataclass(frozen=True)
class InventoryRow:
    line: int
    address: str
    model_number: str | None
    ports: str | None
    profile: Path | None


def read_inventory(path: Path) -> list[InventoryRow]:
    """CSV with a header: ``address`` (required), ``model_number``, ``ports``, ``profile``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "address" not in reader.fieldnames:
        raise InputError(f"{path}: the header must name an 'address' column")
    rows, seen = [], set()
    for number, record in enumerate(reader, start=2):
        raw = (record.get("address") or "").strip()
        try:
            address = parse_host(raw)
        except TargetError as exc:
            raise InputError(f"{path}: line {number}: address: {exc}") from None
        if address in seen:
            raise InputError(f"{path}: line {number}: address {address} is listed twice")
        seen.add(address)
        profile = (record.get("profile") or "").strip()
        rows.append(
            InventoryRow(
                line=number,
                address=address,
                model_number=(record.get("model_number") or "").strip() or None,
                ports=(record.get("ports") or "").strip() or None,
                profile=(path.parent / profile) if profile else None,
            )
        )
    return rows


def completed_addresses(results: Path) -> set[str]:
    """Devices already in ``results`` (resume); a torn last line is dropped from the file."""
    if not results.exists():
        return set()
    good: list[str] = []
    done: set[str] = set()
    for line in results.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # an interrupted write: that device runs again
        if isinstance(record, dict) and "address" in record:
            good.append(line)
            done.add(str(record["address"]))
    results.write_text("".join(f"{line}\n" for line in good), encoding="utf-8")
    return done


def result_line(row: InventoryRow, report: AssessmentReport | None, error: str | None) -> str:
    record: dict[str, Any] = {"address": row.address, "model_number": row.model_number}
    if report is None:
        record |= {"overall": "INCOMPLETE", "error": error, "verdicts": []}
    else:
        record |= {
            "overall": report.overall,
            "verdicts": [
                {"requirement": v.requirement, "verdict": v.verdict, "reasons": list(v.reasons)}
                for v in report.verdicts
            ],
            "report": report.model_dump(mode="json"),
        }
    return json.dumps(record, ensure_ascii=False)


async def probe_fleet(
    rows: list[InventoryRow],
    concurrency: int,
    rate: float | None,
    timeout_s: float | None,
    on_start: Callable[[InventoryRow], None] | None = None,
) -> AsyncIterator[str]:
    """Probe ``rows`` with bounded concurrency and one global connection rate;
    yield each device's JSON line as soon as it finishes."""
    pacer = Pacer(rate)
    gate = asyncio.Semaphore(concurrency)

    async def one(row: InventoryRow) -> str:
        async with gate:
            if on_start:
                on_start(row)
            try:
                profile, digests = device_profile(row.address, row.ports, row.profile)
                if row.model_number:
                    profile = profile.model_copy(update={"model_numbers": (row.model_number,)})
                report = await probe_async(profile, digests, timeout_s=timeout_s, pacer=pacer)
            except InputError as exc:
                return result_line(row, None, str(exc))
            return result_line(row, report, None)

    tasks = [asyncio.ensure_future(one(row)) for row in rows]
    try:
        for finished in asyncio.as_completed(tasks):
            yield await finished
    finally:
        for task in tasks:
            task.cancel()


def probe_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with uvicorn[standard]): a probe, and a fleet
    run above all, is mostly event-loop work, and uvloop does it with less CPU.
    ``JCSTAR_EVENT_LOOP=asyncio`` keeps the standard loop (to compare, or to rule
    uvloop out when debugging)."""
    if os.environ.get("JCSTAR_EVENT_LOOP", "").lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_probe_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the probe's event loop."""
    with asyncio.Runner(loop_factory=probe_loop_factory()) as runner:
        return runner.run(main)


# -- fleet mode across processes --------------------------------------------------


class FleetWorkerError(RuntimeError):
    """A worker process ended without finishing its devices (they run again on resume)."""


def default_workers() -> int:
    """One worker process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` shares that differ by at most one: 10, 3 -> [4, 3, 3]."""
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


def _worker(
    rows: list[InventoryRow],
    concurrency: int,
    rate: float | None,
    timeout_s: float | None,
    sink: Connection,
) -> None:
    """One process's share of the fleet; each finished device goes to the parent as one
    message. SIGINT is the parent's to handle: it stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    async def run() -> None:
        async for line in probe_fleet(rows, concurrency, rate, timeout_s):
            sink.send_bytes(line.encode("utf-8"))

    try:
        run_probe_loop(run())
    except (BrokenPipeError, EOFError):  # the parent is gone: stop probing
        pass
    finally:
        sink.close()


class ShardedFleet:
    """``probe_fleet`` over ``workers`` processes (one event loop is one core).

    Each worker owns a disjoint share of ``rows``; ``concurrency`` and ``rate`` stay
    global: each worker gets its share of both. Finished devices come back here as
    lines, so this process alone appends whole lines to the results file (resume
    holds as in one process). The workers are forked when the context is entered,
    which must happen before this process starts any thread (e.g. a progress bar);
    forked, they share the parent's imported code instead of loading their own.
    Leaving the context early (an interrupt) terminates them.
    """

    def __init__(
        self,
        rows: list[InventoryRow],
        workers: int,
        concurrency: int,
        rate: float | None,
        timeout_s: float | None,
    ) -> None:
        self.rows = rows
        self.workers = max(1, min(workers, len(rows), concurrency))
        self.concurrency = concurrency
        self.rate = rate
        self.timeout_s = timeout_s
        self._procs: dict[Connection, ForkProcess] = {}

    def __enter__(self) -> ShardedFleet:
        context = multiprocessing.get_context("fork")
        shares = split_evenly(self.concurrency, self.workers)
        rate = self.rate / self.workers if self.rate else None
        gc.freeze()  # keep the collector off inherited objects: their pages stay shared
        try:
            for k in range(self.workers):
                receiver, sender = context.Pipe(duplex=False)
                proc = context.Process(
                    target=_worker,
                    args=(self.rows[k :: self.workers], shares[k], rate, self.timeout_s, sender),
                    name=f"jcstar-probe-{k}",
                    daemon=True,
                )
                proc.start()
                sender.close()  # the worker holds the only writing end: EOF when it ends
                self._procs[receiver] = proc
        except BaseException:
            self.close()
            raise
        finally:
            gc.unfreeze()
        return self

    def lines(self) -> Iterator[str]:
        """Each finished device's JSON line, as the workers finish them."""
        open_ends = list(self._procs)
        while open_ends:
            for ready in wait(open_ends):
                assert isinstance(ready, Connection)
                try:
                    yield ready.recv_bytes().decode("utf-8")
                except EOFError:
                    open_ends.remove(ready)
        failed = []
        for proc in self._procs.values():
            proc.join()
            if proc.exitcode != 0:
                failed.append(f"{proc.name} exit code {proc.exitcode}")
        if failed:
            raise FleetWorkerError("worker ended early: " + ", ".join(failed))

    def close(self) -> None:
        for receiver, proc in self._procs.items():
            if proc.is_alive():
                proc.terminate()  # our own child, by its PID
            proc.join(10)
            receiver.close()
        self._procs.clear()

    def __exit__(self, *exc: object) -> None:
        self.close()
