"""Fleet probe benchmark: jcstar probe against nmap and hydra on simulated devices.

Run: .venv/bin/python bench/bench_probe.py [--devices 1000] [--concurrency 128] [--rate 2000]
     .venv/bin/python bench/bench_probe.py --devices 200,1000     # several sizes, one run each

On 2 cores the defaults take about 40 minutes for 1,000 devices (jcstar about 11 min; one
hydra on telnet runs into the 25 min --tool-timeout), and 7 minutes for 200.

For each size it starts bench/simfleet.py as a child process (N devices on 127.1.X.Y,
busybox-style telnet on 23 and HTTP Basic on 80, a fraction accepting the Mirai
defaults), then runs, one after another and each as its own subprocess:

  a. jcstar probe --inventory devices.csv -o results.jsonl (every ★1 network check)
  b. nmap -sT -Pn -n -p 23,80 -iL hosts.txt                (port scan only)
  c. hydra -C <jcstar's telnet list> -M hosts.txt telnet    (default credentials)
     hydra -C <jcstar's HTTP list>   -M hosts.txt http-get / (default credentials)

and prints wall seconds, devices per second, peak memory and what each found, checked
against the fleet's manifest (which devices are vulnerable) and against what the fleet
itself counted (connections, passwords actually submitted, logins accepted).

This hydra build caps -T at 64 tasks; ``--hydra-shards K`` runs K hydras side by side
on slices of the host list. ``--py-spy PATH`` records jcstar's stacks and prints where
its busy samples go. bench/PROBE.md has the figures measured and what they mean.

Memory: every command runs under GNU time (``/usr/bin/time -f '%e %M %U %S'``); %M is
the peak RSS of the largest single process (wait4's ru_maxrss). hydra forks one
process per task, so the bench also samples the whole process tree every 0.25 s and
reports the peak of the summed PSS (/proc/PID/smaps_rollup; shared pages counted once).

Safety: only loopback addresses (127.0.0.0/8) are written to the target lists, and
the bench refuses anything else. Every subprocess has a timeout after which its
process group is killed; the fleet is stopped (by its PID) in a ``finally``, and it
also stops by itself after --fleet-lifetime seconds and when the bench dies
(PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import datetime
import ipaddress
import json
import os
import platform
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jcstar.checks.credentials import for_service
from jcstar.checks.network.collect.device import DeviceParams

HERE = Path(__file__).resolve().parent
SIMFLEET = HERE / "simfleet.py"
JCSTAR = Path(sys.executable).parent / "jcstar"
GNU_TIME = "/usr/bin/time"
NMAP = "/usr/bin/nmap"
HYDRA = "/usr/bin/hydra"
PORTS = "23,80"
MODEL = "SIM-CAM-1"
#: every simulated device has both: a device where one was not swept was not fully tested
SURFACES = {"23/tcp telnet", "80/tcp http-basic"}
MAX_DEFAULTS = DeviceParams.model_fields["max_defaults"].default  # 40: jcstar's per-surface cap
SAMPLE_S = 0.25
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the bench process goes away."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def clean_env() -> dict[str, str]:
    """The environment for the tools: no proxies (hydra and others honour them)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if "proxy" not in k.lower() and not k.upper().startswith("HYDRA_")
    }
    env.update(COLUMNS="120", NO_COLOR="1", LC_ALL="C.UTF-8")
    return env


def loopback_only(addresses: list[str]) -> None:
    bad = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
    if bad:
        raise SystemExit(f"refusing non-loopback targets: {bad[:3]}")


# --- the simulated fleet -------------------------------------------------------------


class Fleet:
    """bench/simfleet.py as a child process; stopped by its PID."""

    def __init__(self, workdir: Path, args: argparse.Namespace, devices: int) -> None:
        self.manifest = workdir / "fleet.csv"
        self.cmd = [
            sys.executable, str(SIMFLEET), "--devices", str(devices),
            "--vulnerable", str(args.vulnerable), "--seed", str(args.seed),
            "--fail-delay", str(args.fail_delay), "--manifest", str(self.manifest),
            "--lifetime", str(args.fleet_lifetime), "--telnet-default", args.telnet_default,
            "--http-default", args.http_default,
        ]  # fmt: skip
        self.errors = workdir / "simfleet.err"
        self.proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout_s: float = 120.0) -> None:
        with self.errors.open("wb") as err:
            self.proc = subprocess.Popen(
                self.cmd, stdout=subprocess.PIPE, stderr=err, bufsize=0,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        line = self._line(timeout_s)
        if line != "ready":
            raise RuntimeError(f"simfleet did not get ready ({line!r}); see {self.errors}")

    def _line(self, timeout_s: float) -> str | None:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode().strip()

    def stats(self) -> dict[str, int]:
        """Counters since the last call (connections, logins tried and accepted)."""
        if self.proc is None or self.proc.poll() is not None:
            return {}
        os.kill(self.pid, signal.SIGUSR1)
        line = self._line(10.0)
        return json.loads(line) if line else {}

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(10)


def read_manifest(path: Path) -> dict[str, bool]:
    with path.open(encoding="utf-8") as source:
        return {row["address"]: row["vulnerable"] == "1" for row in csv.DictReader(source)}


# --- measuring one command -----------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo and len(found) < 10_000:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kb(path: str, key: str) -> int:
    try:
        with open(path) as source:
            for line in source:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Measured:
    seconds: float
    exit_code: int | None
    timed_out: bool
    peak_rss_mb: float  # largest single process (GNU time %M, else sampled VmHWM)
    tree_pss_mb: float  # peak of the summed PSS over the process tree (sampled)
    cpu_s: float | None  # user + system (GNU time), None when killed
    fleet_cpu_s: float


def measure(name: str, cmd: list[str], workdir: Path, timeout_s: float, fleet: Fleet) -> Measured:
    """Run ``cmd`` under GNU time in its own process group; kill the group on timeout."""
    timefile = workdir / f"{name}.time"
    full = [GNU_TIME, "-f", "%e %M %U %S", "-o", str(timefile), *cmd]
    fleet_cpu = fleet.cpu_seconds()
    started = time.monotonic()
    with (
        (workdir / f"{name}.stdout").open("wb") as out,
        (workdir / f"{name}.stderr").open("wb") as err,
    ):
        proc = subprocess.Popen(
            full, stdout=out, stderr=err, cwd=workdir, env=clean_env(),
            start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip
    hwm_kb = pss_kb = 0
    timed_out = False
    try:
        while proc.poll() is None:
            if time.monotonic() - started > timeout_s:
                timed_out = True
                break
            pids = _descendants(proc.pid)  # the tool and its children, not GNU time
            hwm_kb = max([hwm_kb, *(_kb(f"/proc/{p}/status", "VmHWM:") for p in pids)])
            pss_kb = max(pss_kb, sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
            time.sleep(SAMPLE_S)
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
    seconds = time.monotonic() - started
    rss_mb, cpu = hwm_kb / 1024, None
    timing = timefile.read_text().split() if timefile.exists() else []
    if not timed_out and len(timing) >= 4 and re.fullmatch(r"[\d.]+", timing[-4]):
        rss_mb = max(rss_mb, int(timing[-3]) / 1024)
        cpu = float(timing[-2]) + float(timing[-1])
    return Measured(
        seconds=seconds,
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        peak_rss_mb=rss_mb,
        tree_pss_mb=pss_kb / 1024,
        cpu_s=cpu,
        fleet_cpu_s=fleet.cpu_seconds() - fleet_cpu,
    )


# --- the tools and what they found ---------------------------------------------------


@dataclass
class Row:
    tool: str
    checked: str
    devices: int
    run: Measured | None
    findings: str
    correct: bool | None
    fleet: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.devices / self.run.seconds if self.run and self.run.seconds else 0.0


def split_sets(found: set[str], vulnerable: set[str]) -> tuple[str, bool]:
    hits, false_pos, missed = found & vulnerable, found - vulnerable, vulnerable - found
    text = f"{len(hits)}/{len(vulnerable)} vulnerable found, {len(false_pos)} false +"
    return text, not false_pos and not missed


def run_jcstar(ctx: Context) -> Row:
    inventory = ctx.workdir / "devices.csv"
    with inventory.open("w", newline="", encoding="utf-8") as sink:
        out = csv.writer(sink)
        out.writerow(["address", "model_number", "ports"])
        out.writerows([a, MODEL, PORTS] for a in ctx.addresses)
    results = ctx.workdir / "results.jsonl"
    results.unlink(missing_ok=True)  # no resume: every device is probed in this run
    cmd = [
        str(JCSTAR), "probe", "--inventory", str(inventory), "-o", str(results),
        "--concurrency", str(ctx.args.concurrency),
        "--rate", str(ctx.args.rate),
    ]  # fmt: skip
    if ctx.args.workers:  # else jcstar's default: one process per core
        cmd += ["--workers", str(ctx.args.workers)]
    if ctx.args.check_timeout:  # else jcstar's own per-check budgets
        cmd += ["--timeout", str(ctx.args.check_timeout)]
    profile = ctx.workdir / "jcstar.pyspy"
    if ctx.args.py_spy:  # sample jcstar's stacks (figures then include py-spy's own cost)
        cmd = [ctx.args.py_spy, "record", "-r", "50", "-f", "raw", "-o", str(profile), "--", *cmd]
    run = measure("jcstar", cmd, ctx.workdir, ctx.args.tool_timeout, ctx.fleet)
    if ctx.args.py_spy and profile.exists():
        print_profile(profile)
    lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else []
    s102: dict[str, str] = {}
    overall: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    untested = 0
    for line in lines:
        record = json.loads(line)
        overall[record["overall"]] += 1
        untested += bool(SURFACES - swept_surfaces(record))
        if record.get("error"):
            errors[record["error"][:80]] += 1
        for verdict in record["verdicts"]:
            if verdict["requirement"] == "S1.1-02":
                s102[record["address"]] = verdict["verdict"]
    not_met = {a for a, v in s102.items() if v == "NOT_MET"}
    text, correct = split_sets(not_met, ctx.vulnerable)
    # a safe device must be tested to the end: INCONCLUSIVE (a check timed out or
    # errored) is not a correct result even though it is not a false positive
    unsure = sum(1 for v in s102.values() if v == "INCONCLUSIVE")
    complete = len(lines) == len(ctx.addresses) and set(s102) == set(ctx.addresses)
    findings = f"{len(lines)}/{len(ctx.addresses)} lines; S1.1-02 NOT_MET: {text}"
    if unsure:
        findings += f"; {unsure} INCONCLUSIVE"
    if untested:  # e.g. the telnet open check timed out: telnet never got its defaults
        findings += f"; {untested} with a login surface not swept"
    return Row(
        "jcstar probe",
        "scan+services+TLS+open access+defaults(telnet 40, http 15)+burst",
        len(lines),
        run,
        findings,
        correct and complete and not unsure and not untested and not run.timed_out,
        extra={
            "s1.1-02": dict(Counter(s102.values())),
            "overall": dict(overall),
            "errors": dict(errors.most_common(5)),
            "results_mb": round(results.stat().st_size / 2**20, 1) if results.exists() else 0,
        },
    )


def swept_surfaces(record: dict[str, Any]) -> set[str]:
    """The login surfaces the default-credential sweep covered on one device."""
    for attempt in (record.get("report") or {}).get("attempts", []):
        if attempt["check"] == "network.default_credentials":
            return {
                surface["surface"]
                for observation in attempt.get("observations", [])
                for surface in observation.get("details", {}).get("surfaces", [])
            }
    return set()


def print_profile(path: Path, top: int = 25) -> None:
    """Where jcstar's busy samples go: self and inclusive, idle waits left out."""
    idle = ("EpollSelector.select", "Condition.wait", "Event.wait")
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    busy = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if any(word in frames[-1] for word in idle):
            continue
        busy += int(count)
        self_time[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    print(f"\npy-spy: {busy} busy samples ({path})")
    for title, table in (("self", self_time), ("inclusive", inclusive)):
        print(f"  -- {title}")
        for frame, count in table.most_common(top):
            print(f"  {100 * count / max(busy, 1):5.1f}%  {frame[:110]}")


def run_nmap(ctx: Context) -> Row:
    gnmap = ctx.workdir / "nmap.gnmap"
    cmd = [NMAP, "-sT", "-Pn", "-n", "-p", PORTS, "-iL", str(ctx.hosts), "-oG", str(gnmap)]
    run = measure("nmap", cmd, ctx.workdir, ctx.args.tool_timeout, ctx.fleet)
    open_ports = 0
    hosts = set()
    if gnmap.exists():
        for line in gnmap.read_text().splitlines():
            match = re.match(r"Host: (\S+) .*Ports: (.*)", line)
            if match:
                hosts.add(match.group(1))
                open_ports += match.group(2).count("/open/")
    expected = 2 * len(ctx.addresses)
    return Row(
        "nmap -sT",
        "TCP connect scan of 23,80 only",
        len(hosts),
        run,
        f"{open_ports}/{expected} open ports",
        open_ports == expected and not run.timed_out,
    )


def run_hydra(ctx: Context, service: str) -> Row:
    """hydra with jcstar's credential list; ``--hydra-shards K`` runs K hydras side by
    side on slices of the hosts (this hydra build caps -T at 64 tasks per process)."""
    family = "telnet" if service == "telnet" else "http"
    pairs = for_service(family, MAX_DEFAULTS)
    creds = ctx.workdir / f"creds-{family}.txt"
    creds.write_text("".join(f"{c.username}:{c.password}\n" for c in pairs), encoding="utf-8")
    shards = max(1, min(ctx.args.hydra_shards, len(ctx.addresses)))
    name = f"hydra-{family}"
    commands, outputs = [], []
    for k in range(shards):
        shard = ctx.workdir / f"{name}-{k}"
        shard.mkdir(exist_ok=True)
        (shard / "hydra.restore").unlink(missing_ok=True)
        hosts = shard / "hosts.txt"
        hosts.write_text("".join(f"{a}\n" for a in ctx.addresses[k::shards]), encoding="utf-8")
        found_file = shard / "found.txt"
        found_file.unlink(missing_ok=True)
        outputs.append((found_file, shard / "stdout.txt"))
        commands.append([
            HYDRA, "-I", "-C", str(creds), "-M", str(hosts),
            "-t", str(ctx.args.hydra_tasks), "-T", str(ctx.args.hydra_total),
            "-f", "-o", str(found_file), *(["telnet"] if family == "telnet" else ["http-get", "/"]),
        ])  # fmt: skip
    if shards == 1:
        cmd = commands[0]
    else:  # one shell, K hydras in parallel, each in its own directory (restore file)
        script = " ".join(
            f"(cd {shlex.quote(str(out.parent))} && exec {shlex.join(c)} >{shlex.quote(str(out))}"
            " 2>&1) &"
            for c, (_, out) in zip(commands, outputs, strict=True)
        )
        cmd = ["/bin/sh", "-c", script + " wait"]
    run = measure(name, cmd, ctx.workdir, ctx.args.tool_timeout, ctx.fleet)
    if shards == 1:  # measure() kept hydra's own stdout
        outputs[0] = (outputs[0][0], ctx.workdir / f"{name}.stdout")
    default = ctx.args.telnet_default if family == "telnet" else ctx.args.http_default
    expected_pair = tuple(default.split(":", 1))
    found: set[str] = set()
    wrong_pair = done = 0
    for found_file, out in outputs:
        if found_file.exists():
            for line in found_file.read_text(errors="replace").splitlines():
                match = re.search(r"host: (\S+)\s+login: (\S*)\s+password: ?(.*)$", line)
                if match:
                    found.add(match.group(1))
                    wrong_pair += (match.group(2), match.group(3)) != expected_pair
        text = out.read_text(errors="replace") if out.exists() else ""
        summary = re.findall(r"(\d+) of (\d+) targets? (?:successfully )?completed", text)
        progress = re.findall(r"(\d+) tries in [\d:h]+, (\d+) to do", text)
        if summary:
            done += int(summary[-1][0])
        elif progress:  # killed at the timeout: the share of its pairs it got through
            tried, todo = map(int, progress[-1])
            done += round(len(ctx.addresses) / shards * tried / max(tried + todo, 1))
    text, correct = split_sets(found, ctx.vulnerable)
    if wrong_pair:
        text += f" ({wrong_pair} with a pair the device does not accept)"
    how = f"{shards} hydras, " if shards > 1 else ""
    return Row(
        f"hydra {service}",
        f"defaults on {family} ({len(pairs)} pairs), {how}-f per host",
        done,
        run,
        text,
        correct and not run.timed_out,
    )


@dataclass
class Context:
    args: argparse.Namespace
    workdir: Path
    fleet: Fleet
    addresses: list[str]
    vulnerable: set[str]
    hosts: Path


#: each tool as one or more runs, measured one after another
TOOLS: dict[str, list[Callable[[Context], Row]]] = {
    "jcstar": [run_jcstar],
    "nmap": [run_nmap],
    "hydra": [lambda ctx: run_hydra(ctx, "telnet"), lambda ctx: run_hydra(ctx, "http-get")],
}


def bench_size(args: argparse.Namespace, devices: int, workdir: Path) -> list[Row]:
    fleet = Fleet(workdir, args, devices)
    rows: list[Row] = []
    try:
        fleet.start()
        print(f"simfleet pid {fleet.pid}: {devices} devices ready", flush=True)
        manifest = read_manifest(fleet.manifest)
        addresses = list(manifest)
        loopback_only(addresses)
        hosts = workdir / "hosts.txt"
        hosts.write_text("".join(f"{a}\n" for a in addresses), encoding="utf-8")
        ctx = Context(args, workdir, fleet, addresses, {a for a, v in manifest.items() if v}, hosts)
        fleet.stats()  # reset the counters
        for tool in args.tools:
            for step in TOOLS[tool]:
                row = step(ctx)
                row.fleet = fleet.stats()
                rows.append(row)
                print(f"  {row.tool}: {row.run.seconds if row.run else 0:.1f} s", flush=True)
    finally:
        fleet.stop()
        print(f"simfleet pid {fleet.pid if fleet.proc else '-'} stopped", flush=True)
    return rows


# --- output ------------------------------------------------------------------------


def combined(rows: list[Row], devices: int) -> Row | None:
    others = [r for r in rows if r.tool.startswith(("nmap", "hydra")) and r.run]
    if len(others) < 3:
        return None
    runs = [r.run for r in others if r.run]
    total = Measured(
        seconds=sum(r.seconds for r in runs),
        exit_code=None,
        timed_out=any(r.timed_out for r in runs),
        peak_rss_mb=max(r.peak_rss_mb for r in runs),
        tree_pss_mb=max(r.tree_pss_mb for r in runs),
        cpu_s=None if any(r.cpu_s is None for r in runs) else sum(r.cpu_s or 0 for r in runs),
        fleet_cpu_s=sum(r.fleet_cpu_s for r in runs),
    )
    correct = all(r.correct for r in others)
    return Row("nmap + hydra", "the three runs above, in sequence", devices, total, "", correct)


def print_table(devices: int, rows: list[Row]) -> None:
    head = (
        f"{'tool':<15} {'checked':<64} {'seconds':>8} {'dev/s':>7} {'RSS MB':>7} "
        f"{'tree MB':>7} {'CPU s':>6} {'sim CPU':>7}  correct findings"
    )
    print(f"\n== {devices} devices ==")
    print(head)
    print("-" * len(head))
    for row in rows:
        run = row.run
        if run is None:
            continue
        seconds = f"{run.seconds:.1f}" + ("!" if run.timed_out else "")
        cpu = f"{run.cpu_s:.1f}" if run.cpu_s is not None else "-"
        ok = {True: "yes", False: "NO", None: "-"}[row.correct]
        print(
            f"{row.tool:<15} {row.checked:<64} {seconds:>8} {row.per_second:>7.1f} "
            f"{run.peak_rss_mb:>7.1f} {run.tree_pss_mb:>7.1f} {cpu:>6} "
            f"{run.fleet_cpu_s:>7.1f}  {ok:<7} {row.findings}"
        )
    for row in rows:
        if row.fleet:
            print(f"  fleet saw during {row.tool}: {json.dumps(row.fleet, sort_keys=True)}")
        for key, value in row.extra.items():
            print(f"  {row.tool} {key}: {json.dumps(value, ensure_ascii=False)}")
    if any(r.run and r.run.timed_out for r in rows):
        print("  ! = killed at --tool-timeout; figures cover the part that finished")


def verdict_lines(devices: int, rows: list[Row]) -> list[str]:
    jc = next((r for r in rows if r.tool == "jcstar probe" and r.run), None)
    both = next((r for r in rows if r.tool == "nmap + hydra" and r.run), None)
    if jc is None or jc.run is None:
        return []
    goal = 120 * devices / 1000
    memory = max(jc.run.peak_rss_mb, jc.run.tree_pss_mb)
    lines = [
        "jcstar correct (S1.1-02 NOT_MET exactly on the vulnerable devices, "
        f"no INCONCLUSIVE): {jc.correct}",
        f"jcstar {jc.run.seconds:.1f} s vs goal {goal:.0f} s "
        f"(2 min per 1,000 devices): {'met' if jc.run.seconds < goal else 'MISSED'}",
        # with worker processes the whole tree counts, not just its largest process
        f"jcstar peak memory {memory:.0f} MB (largest process {jc.run.peak_rss_mb:.0f} MB RSS, "
        f"all processes {jc.run.tree_pss_mb:.0f} MB PSS) vs 300 MB: "
        f"{'met' if memory < 300 else 'MISSED'}",
    ]
    if both and both.run:
        faster = jc.run.seconds <= both.run.seconds
        lines.append(
            f"jcstar {jc.run.seconds:.1f} s vs nmap+hydra {both.run.seconds:.1f} s: "
            f"{'at least as fast' if faster else 'SLOWER'}"
        )
    return lines


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = {}
    for tool, flag in ((NMAP, "--version"), (HYDRA, "-h")):
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            out = subprocess.run([tool, flag], capture_output=True, text=True, timeout=10)
            versions[Path(tool).name] = (out.stdout + out.stderr).splitlines()[0][:40]
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):  # read-only git
        head = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(HERE.parent), "status", "--porcelain", "--", "src"],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        versions["jcstar_commit"] = head.stdout.strip() + (" +dirty src" if dirty.stdout else "")
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        **versions,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", default="1000", help="fleet size, or sizes: 200,1000")
    parser.add_argument("--concurrency", type=int, default=128, help="jcstar: devices at once")
    parser.add_argument("--rate", type=float, default=2000, help="jcstar: connections/s")
    parser.add_argument("--check-timeout", type=float, help="jcstar --timeout (s per check)")
    parser.add_argument("--workers", type=int, help="jcstar --workers (default: one per core)")
    parser.add_argument("--tools", default="jcstar,nmap,hydra", help="which, in this order")
    parser.add_argument("--hydra-tasks", type=int, default=4, help="hydra -t (per host)")
    parser.add_argument("--hydra-total", type=int, default=64, help="hydra -T (max 64)")
    parser.add_argument("--hydra-shards", type=int, default=1, help="hydras side by side")
    parser.add_argument("--vulnerable", type=float, default=0.1, help="fraction of devices")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fail-delay", type=float, default=0.05, help="telnet refusal delay")
    parser.add_argument("--telnet-default", default="root:xc3511", help="what vulnerable accept")
    parser.add_argument("--http-default", default="admin:admin", help="what vulnerable accept")
    parser.add_argument("--tool-timeout", type=float, default=1500, help="s per tool run")
    parser.add_argument("--py-spy", help="path to py-spy: profile the jcstar run with it")
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.devices.split(",") if s.strip()]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if not args.sizes or any(not 1 <= n <= 5000 for n in args.sizes):
        parser.error("--devices: sizes from 1 to 5000")
    if any(t not in TOOLS for t in args.tools):
        parser.error(f"--tools: choose from {', '.join(TOOLS)}")
    if not 1 <= args.tool_timeout <= 3600:
        parser.error("--tool-timeout: 1-3600 s")
    # the fleet outlives every tool run of every size, and no more
    runs = len(args.sizes) * (len(args.tools) + 1)
    args.fleet_lifetime = runs * args.tool_timeout + 300
    return args


def main() -> None:
    args = parse_args()
    for tool in (GNU_TIME, NMAP, HYDRA, str(JCSTAR)):
        if not shutil.which(tool):
            raise SystemExit(f"missing {tool}")
    info = machine()
    print(json.dumps(info))
    base = args.workdir or Path(tempfile.mkdtemp(prefix="bench-probe-"))
    report: dict[str, Any] = {"machine": info, "args": {"devices": args.sizes}, "sizes": {}}
    summaries = []
    for devices in args.sizes:
        workdir = base / f"n{devices}"
        workdir.mkdir(parents=True, exist_ok=True)
        rows = bench_size(args, devices, workdir)
        total = combined(rows, devices)
        if total:
            rows.append(total)
        print_table(devices, rows)
        lines = verdict_lines(devices, rows)
        summaries.append((devices, lines))
        report["sizes"][devices] = [
            {
                "tool": r.tool,
                "checked": r.checked,
                "devices_done": r.devices,
                "devices_per_s": round(r.per_second, 2),
                **({k: v for k, v in vars(r.run).items()} if r.run else {}),
                "findings": r.findings,
                "correct": r.correct,
                "fleet": r.fleet,
                **r.extra,
            }
            for r in rows
        ]
    for devices, lines in summaries:
        print(f"\n{devices} devices:")
        for line in lines:
            print(f"  {line}")
    print(f"\nfiles: {base}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
