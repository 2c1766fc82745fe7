"""Run unblob on one image, bounded in bytes, files, nesting and time.

unblob runs as a child process in its own session (not through its Python API) so
that a limit can stop it and every extractor it started at once (``killpg``), its
memory is not ours, and a crash in a native extractor cannot take jcstar down.
unblob confines its own writes to the extraction directory (Landlock) and removes
links that leave it; the watchdog here bounds what it may write there.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import resource
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from jcstar.targets.firmware.models import Limits, UnpackError
from jcstar.targets.firmware.report import read_report
from jcstar.targets.firmware.sasquatch import NOTES_ENV
from jcstar.targets.firmware.squashfs import SEVEN_ZIP
from jcstar.targets.firmware.tally import Tally, tally

#: free space left on the work directory's filesystem below which extraction stops
DISK_RESERVE_BYTES = 512 * 1024**2
POLL_S = 0.25
STAND_IN = "stand-in sasquatch (unsquashfs: standard SquashFS only; 7-Zip: vendor LZMA variants)"
#: the names unblob runs a SquashFS extractor by (``-v4be`` for big-endian 4.0)
SASQUATCH_NAMES = ("sasquatch", "sasquatch-v4be")

Progress = Callable[[Tally], None]


@dataclass
class Run:
    """What happened while unblob ran."""

    problems: list[str] = field(default_factory=list)
    cut_short: bool = False
    stopped: str = ""  # why a limit stopped unblob, if one did
    version: str = "unblob"


def _venv_bin() -> Path:
    return Path(sys.executable).parent


def unblob_executable() -> str:
    beside = _venv_bin() / "unblob"
    found = str(beside) if beside.exists() else shutil.which("unblob")
    if not found:
        raise UnpackError("unblob is not installed (pip install unblob)")
    return found


def tool_path(bin_dir: Path) -> tuple[str, bool]:
    """PATH for unblob: the venv's tools (jefferson, ubireader) first, then a
    stand-in sasquatch (under both of unblob's names for it) when no real one is
    installed. Returns (PATH, stand-in used)."""
    search = [str(_venv_bin()), os.environ.get("PATH", os.defpath)]
    if shutil.which("sasquatch", path=os.pathsep.join(search)):
        return os.pathsep.join(search), False
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in SASQUATCH_NAMES:
        script = bin_dir / name
        script.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" -m jcstar.targets.firmware.sasquatch "$@"\n',
            encoding="utf-8",
        )
        script.chmod(0o755)
    return os.pathsep.join([str(bin_dir), *search]), True


PR_SET_PDEATHSIG = 1


def _child_limits(max_bytes: int) -> Callable[[], None]:
    def apply() -> None:
        # no single file may outgrow the whole budget, and no core dumps in the work dir
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # if jcstar is killed outright, its watchdog goes too: unblob must not outlive it
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    return apply


def _free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def _watch(
    process: asyncio.subprocess.Process,
    extract: Path,
    limits: Limits,
    run: Run,
    on_progress: Progress | None,
) -> None:
    started = time.monotonic()
    next_walk = 0.0
    while process.returncode is None:
        try:
            await asyncio.wait_for(process.wait(), timeout=POLL_S)
            return
        except TimeoutError:
            pass
        now = time.monotonic()
        stop = None
        if now - started > limits.timeout_s:
            stop = f"extraction stopped after {limits.timeout_s:g} s (time limit)"
        elif _free_bytes(extract.parent) < DISK_RESERVE_BYTES:
            stop = "extraction stopped: the work directory's disk is nearly full"
        elif now >= next_walk:
            count = await asyncio.to_thread(tally, extract)  # the loop stays responsive
            # a walk over many files is costly: walk less often as the tree grows
            next_walk = time.monotonic() + 4 * (time.monotonic() - now)
            if on_progress:
                on_progress(count)
            if count.bytes > limits.max_total_bytes:
                stop = (
                    f"extraction stopped at {count.bytes // 1024**2} MB "
                    f"(limit {limits.max_total_bytes // 1024**2} MB): possible decompression bomb"
                )
            elif count.files > limits.max_files:
                stop = f"extraction stopped at {count.files} files (limit {limits.max_files})"
        if stop:
            _kill(process)
            run.problems.append(stop)
            run.cut_short, run.stopped = True, stop
            await process.wait()
            return


async def run_unblob(
    image: Path,
    workdir: Path,
    limits: Limits,
    on_progress: Progress | None = None,
) -> tuple[Path, Run]:
    """Extract ``image`` into ``workdir/extract``; returns that directory and what happened."""
    extract, meta = workdir / "extract", workdir / "meta"
    if extract.exists() or meta.exists():
        raise UnpackError(f"{workdir}: work directory already used (give an empty one)")
    meta.mkdir(parents=True)
    report = meta / "report.json"  # must not exist: unblob skips quietly when it does
    stderr_file = meta / "stderr"
    notes = meta / "squashfs.jsonl"  # the stand-in's account: which variant, which reader
    path, stand_in = tool_path(workdir / "bin")
    run = Run()
    command = [
        unblob_executable(),
        *("--extract-dir", str(extract), "--report", str(report), "--log", str(meta / "log")),
        *("--depth", str(limits.max_depth), "--randomness-depth", "0", "--process-num", "2"),
        str(image),
    ]
    run.version = _version()
    with stderr_file.open("wb") as sink:  # a file: a chatty child never blocks on a pipe
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=sink,
            cwd=meta,
            env={**os.environ, "PATH": path, NOTES_ENV: str(notes)},
            start_new_session=True,  # its own process group: one killpg stops every extractor
            preexec_fn=_child_limits(limits.max_total_bytes),
        )
    try:
        await _watch(process, extract, limits, run, on_progress)
    finally:
        if process.returncode is None:  # cancelled (e.g. the check's own timeout)
            _kill(process)
            await process.wait()
    stderr = stderr_file.read_bytes()[-4096:].decode("utf-8", "replace").strip()
    if process.returncode == -signal.SIGXFSZ:
        run.stopped = "extraction stopped: one file outgrew the size limit"
        run.problems.append(run.stopped)
        run.cut_short = True
    elif process.returncode and not run.cut_short and not report.exists():
        last = stderr.splitlines()[-1] if stderr else f"exit code {process.returncode}"
        raise UnpackError(f"{image.name}: unblob failed: {last}")
    if report.exists():
        found = read_report(report, extract, limits.max_depth)
        run.problems.extend(found.problems)
        run.cut_short = run.cut_short or found.lost_content
        if stand_in and found.squashfs:
            run.problems.insert(0, f"SquashFS read by the {STAND_IN}")
            run.version += " + stand-in sasquatch"
            fallbacks = _fallback_reads(notes)
            run.problems[1:1] = fallbacks
            if fallbacks:
                run.version += " + 7-Zip"
    if not extract.exists():
        why = run.stopped or "unblob found no format it knows in it"
        raise UnpackError(f"{image.name}: {why}")
    return extract, run


def _fallback_reads(notes: Path) -> list[str]:
    """One line for each SquashFS the stand-in read with 7-Zip (a vendor variant)."""
    lines = []
    try:
        text = notes.read_text(encoding="utf-8")[:1_000_000]
    except OSError:
        return []
    for raw in text.splitlines():
        try:
            note = json.loads(raw)
        except ValueError:
            continue
        if isinstance(note, dict) and note.get("reader") == SEVEN_ZIP and note.get("ok"):
            lines.append(f"{note.get('variant')} read with 7-Zip (vendor variant)")
    return sorted(set(lines))


def _version() -> str:
    try:
        return f"unblob {metadata.version('unblob')}"
    except metadata.PackageNotFoundError:  # a system unblob outside this environment
        return "unblob"
