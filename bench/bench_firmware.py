"""Firmware analysis benchmark: unblob alone, the checks alone, then the whole ``jcstar firmware``.

Run: .venv/bin/python bench/bench_firmware.py                  # the 64 MB image
     .venv/bin/python bench/bench_firmware.py --sizes 64,256   # both sizes, one round each
     .venv/bin/python bench/bench_firmware.py --repeat 3       # medians of three rounds

For each size it builds a root filesystem: the vulnerable busybox-like tree of
tests/firmware_rootfs.py (so every check has something to find), real binaries and
libraries copied from this host (/usr/bin, /usr/lib/x86_64-linux-gnu), and
incompressible filler files, until the image packed with ``mksquashfs -comp xz`` has
about the requested size. Then, one after another and each as its own subprocess:

  a. unblob -e OUT --report R.json --depth 8 --randomness-depth 0 IMAGE  (what jcstar runs)
  b. jcstar firmware OUT --format json    (the checks alone: a's extraction as a directory)
  c. jcstar firmware IMAGE --format json  (unpack + every check)

and prints wall seconds, CPU seconds (user + system of the whole process tree, from
getrusage(RUSAGE_CHILDREN) before and after), MB/s of image, the peak RSS of the largest
process (sampled VmHWM) and the peak of the summed PSS of the whole process tree
(unblob's workers and extractors included; /proc smaps_rollup sampled every 0.25 s).

"analysis adds" is shown three ways: (b) over (a) in wall seconds (the checks timed on
their own, start-up included), and (c) minus (a) over (a) in CPU and in wall seconds.
On a shared machine the last is the least reliable: unblob's own wall time moves by a
factor of two with the neighbours' load, so (c) - (a) says more about them than about
jcstar; ``--repeat`` prints medians. (b) and (c) must report the same overall result
(the same findings read from the same files); the row shows both when they differ.
The goal in issue 4: analysis adds less than 50% to extraction, memory under 1 GB
whatever the size. Figures: bench/FIRMWARE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.firmware_rootfs import make_rootfs  # noqa: E402

from jcstar.targets.firmware.unblob import tool_path  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SAMPLE_S = 0.25
MB = 1024**2


def build_rootfs(root: Path, size_mb: int) -> None:
    """About ``size_mb`` of packed image: real binaries (compressible) and filler (not)."""
    make_rootfs(root, vulnerable=True)
    copied = 0
    for source_dir, target in (("/usr/bin", "usr/bin"), ("/usr/lib/x86_64-linux-gnu", "usr/lib")):
        for source in sorted(Path(source_dir).iterdir()):
            if copied > size_mb * MB // 3:  # binaries pack to about a third
                break
            if source.is_file() and not source.is_symlink() and source.stat().st_size < 8 * MB:
                destination = root / target / source.name
                if not destination.exists():
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, destination)
                    copied += source.stat().st_size
    filler = root / "usr/share/filler"
    filler.mkdir(parents=True)
    rng = random.Random(size_mb)
    remaining = size_mb * MB - copied // 3
    index = 0
    while remaining > 0:
        chunk = min(remaining, rng.randrange(256 * 1024, 4 * MB))
        (filler / f"blob{index:04d}.bin").write_bytes(rng.randbytes(chunk))
        remaining -= chunk
        index += 1


def pack(root: Path, image: Path) -> None:
    subprocess.run(
        ["mksquashfs", root, image, "-comp", "xz", "-all-root", "-noappend", "-quiet"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    return tree


def _tree(root: int) -> list[int]:
    tree, found, todo = _children(), [root], [root]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kb(path: str, key: str) -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    return 0


@dataclass
class Measured:
    seconds: float
    exit_code: int
    largest_mb: float
    tree_pss_mb: float
    cpu_s: float


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def measure(command: list[str], env: dict[str, str], timeout_s: float) -> Measured:
    cpu_before = _children_cpu()
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    hwm = pss = 0
    try:
        while process.poll() is None:
            if time.monotonic() - started > timeout_s:
                raise TimeoutError(f"{command[0]} took over {timeout_s:g} s")
            pids = _tree(process.pid)
            hwm = max([hwm, *(_kb(f"/proc/{p}/status", "VmHWM:") for p in pids)])
            pss = max(pss, sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
            time.sleep(SAMPLE_S)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    seconds = time.monotonic() - started
    cpu = _children_cpu() - cpu_before  # the child and every descendant it waited for
    return Measured(seconds, process.returncode, hwm / 1024, pss / 1024, cpu)


def median(runs: list[Measured]) -> Measured:
    """Median seconds and CPU of the rounds; the worst exit code and memory."""
    return Measured(
        statistics.median(r.seconds for r in runs),
        max((r.exit_code for r in runs), key=abs),
        max(r.largest_mb for r in runs),
        max(r.tree_pss_mb for r in runs),
        statistics.median(r.cpu_s for r in runs),
    )


@dataclass
class Row:
    image_mb: float
    unblob: Measured
    checks: Measured
    jcstar: Measured
    overall: str
    rounds: int


def _overall(report: Path) -> str:
    return json.loads(report.read_text())["overall"] if report.exists() else "(no report)"


def _clear(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def bench_size(size_mb: int, work: Path, timeout_s: float, repeat: int) -> Row:
    root, image = work / "rootfs", work / f"firmware-{size_mb}mb.squashfs"
    build_rootfs(root, size_mb)
    pack(root, image)
    shutil.rmtree(root)
    path, _ = tool_path(work / "bin")  # the same PATH (and stand-in sasquatch) jcstar uses
    out, unblob_report = work / "unblob-out", work / "r.json"
    unblob = [str(VENV_BIN / "unblob"), "-e", str(out), "--report", str(unblob_report)]
    unblob += ["--log", str(work / "unblob.log"), "--depth", "8", "--randomness-depth", "0"]
    unblob += ["--process-num", "2", str(image)]
    jcstar = [str(VENV_BIN / "jcstar"), "firmware", "--format", "json", "-o"]
    alone, checks, full, overalls = [], [], [], set()
    for _ in range(repeat):
        _clear(out, unblob_report)  # unblob skips quietly when its report exists
        alone.append(measure(unblob, {**os.environ, "PATH": path}, timeout_s))
        report = work / "checks.json"
        checks.append(measure([*jcstar, str(report), str(out)], dict(os.environ), timeout_s))
        overalls.add(_overall(report))
        shutil.rmtree(out, ignore_errors=True)
        report = work / "report.json"
        full.append(measure([*jcstar, str(report), str(image)], dict(os.environ), timeout_s))
        overalls.add(_overall(report))
    overall = " / ".join(sorted(overalls))  # one value: both runs found the same
    image_mb = image.stat().st_size / MB
    return Row(image_mb, median(alone), median(checks), median(full), overall, repeat)


def _percent(part: float, whole: float) -> str:
    return f"{part / whole * 100:.0f}%"


def print_rows(rows: list[Row]) -> None:
    print(f"\n{platform.node()} {os.cpu_count()} CPUs, Python {platform.python_version()}")
    columns = ("image", "run", "seconds", "CPU s", "MB/s", "largest MB", "tree PSS MB")
    print("{:>8} {:<16} {:>8} {:>7} {:>7} {:>11} {:>12}".format(*columns))
    for row in rows:
        runs = (("unblob alone", row.unblob), ("checks alone", row.checks))
        for label, run in (*runs, ("jcstar firmware", row.jcstar)):
            print(
                f"{row.image_mb:>7.1f}M {label:<16} {run.seconds:>8.1f} {run.cpu_s:>7.1f} "
                f"{row.image_mb / run.seconds:>7.1f} {run.largest_mb:>11.0f} "
                f"{run.tree_pss_mb:>12.0f}   exit {run.exit_code}"
            )
        unblob, whole = row.unblob, row.jcstar
        print(
            f"{'':>9}analysis adds: checks alone {_percent(row.checks.seconds, unblob.seconds)}"
            f" of unblob's wall time; whole run minus unblob: "
            f"CPU {_percent(whole.cpu_s - unblob.cpu_s, unblob.cpu_s)}, "
            f"wall {_percent(whole.seconds - unblob.seconds, unblob.seconds)}"
        )
        rounds = f"medians of {row.rounds} rounds; " if row.rounds > 1 else ""
        print(f"{'':>9}{rounds}report overall {row.overall}")
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"load average at the end: {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="64", help="image sizes in MB, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per size (medians)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"jcstar-bench-fw-{size}-"))
        try:
            rows.append(bench_size(size, work, args.timeout, args.repeat))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    print_rows(rows)


if __name__ == "__main__":
    main()
