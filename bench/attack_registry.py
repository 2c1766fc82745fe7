"""Repeat the attack run on a real ``jcstar serve`` (issue 11, points 11 and 12) and print
the figures beside the ones measured on the code before the fixes.

Run: .venv/bin/python bench/attack_registry.py

Everything stays on 127.0.0.1: the script creates a registry in a temporary directory (SQLite,
its own keys), starts ``jcstar serve`` on a free loopback port, and stops it by its process id.
The ``X-Forwarded-For`` values it sends are only header text (addresses from TEST-NET-3,
RFC 5737); nothing is sent to them.

1. Password spray from one address: wrong passwords against ten accounts, with one successful
   login of the attacker's own account after every 19 failures; then the same with a fresh
   ``X-Forwarded-For`` value on each attempt. Figure: failed attempts let through before the
   first 429.
2. Bodies: an anonymous chunked 200 MB POST; a vendor's 50 MB report; a 20 MB login body (is
   it echoed back?); an anonymous 150 MB file upload. Figures: the answer, the server's peak
   memory (VmHWM) and the most bytes its temporary directory held during the request.

Not a test: no assertions; the figures go in the issue's note.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

JCSTAR = str(Path(sys.executable).with_name("jcstar"))
MB = 1024 * 1024
#: measured on the code before the fixes (issue 11's attack run)
BEFORE = {
    "spray": "never throttled (a success reset the address's count)",
    "spray_xff": "never throttled (each new X-Forwarded-For value started a fresh count)",
    "chunked": "accepted into memory: the server grew to about 1.4 GB",
    "report": "stored (50 MB)",
    "login": "422 echoing the body: 20 MB in, about 40 MB out",
    "upload": "about 150 MB written to disk before the 401",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def admin(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [JCSTAR, "admin", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"jcstar admin {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tree_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with suppress(FileNotFoundError):  # a temporary file gone meanwhile
                total += (Path(root) / name).stat().st_size
    return total


@contextmanager
def most_bytes_in(path: Path) -> Iterator[list[int]]:
    """The largest size ``path`` reached while the block ran (sampled every 20 ms)."""
    most = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            most[0] = max(most[0], tree_bytes(path))
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield most
    finally:
        stop.set()
        thread.join()


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [JCSTAR, "serve", "--host", "127.0.0.1", "--port", str(port), "--base-url", url],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"jcstar serve exited with {process.returncode}; see {log}")
                try:
                    httpx.get(url + "/openapi.json", timeout=2)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"no answer on {url}; see {log}") from None
                    time.sleep(0.2)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def spray(url: str, rotate_forwarded_for: bool) -> str:
    """Failed attempts let through before the first 429 (at most 400 tried)."""
    failed_through = 0
    with httpx.Client(base_url=url, timeout=30) as client:
        for attempt in range(400):
            headers = {}
            if rotate_forwarded_for:
                headers["X-Forwarded-For"] = f"203.0.113.{attempt % 250 + 1}"
            if attempt % 20 == 19:
                body = {"email": "attacker@example.test", "password": "attacker-password-1"}
            else:
                body = {
                    "email": f"victim{attempt % 10}@example.test",
                    "password": f"guess{attempt}",
                }
            answer = client.post("/api/v1/auth/login", json=body, headers=headers)
            if answer.status_code == 429:
                return f"429 after {failed_through} failed attempts ({attempt} in all)"
            if answer.status_code != 200:
                failed_through += 1
    return f"never throttled in 400 attempts ({failed_through} failures let through)"


def chunks(total: int, size: int = MB) -> Iterator[bytes]:
    block = b"x" * size
    for _ in range(total // size):
        yield block


def outcome(send: object) -> str:
    try:
        answer = send()  # type: ignore[operator]
    except httpx.HTTPError as exc:  # the server may close the connection mid-body
        return f"connection closed ({type(exc).__name__})"
    return f"{answer.status_code}, answer {len(answer.content):,} bytes"


@contextmanager
def registry(work: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], str, Path]]:
    """A fresh registry (its own database, keys and TMPDIR) served on loopback, with a vendor
    organisation of eleven users and a token: ``(url, process, token, server's TMPDIR)``."""
    work.mkdir()
    server_tmp = work / "tmp"
    server_tmp.mkdir()
    env = {
        **os.environ,
        "JCSTAR_DATABASE_URL": f"sqlite:///{work / 'registry.db'}",
        "JCSTAR_KEY_DIR": str(work / "keys"),
        "TMPDIR": str(server_tmp),
    }
    with serving(env, work / "serve.log") as (url, process):
        org = "Attacker K.K."
        admin(
            env,
            "create-org",
            org,
            "--kind",
            "vendor",
            "--legal-name-ja",
            "攻撃株式会社",
            "--legal-name-en",
            org,
            "--corporate-number",
            "1010001000006",
        )
        for victim in range(10):
            admin(
                env,
                "create-user",
                f"victim{victim}@example.test",
                "--org",
                org,
                "--password",
                f"victim-password-{victim}-long",
            )
        admin(
            env,
            "create-user",
            "attacker@example.test",
            "--org",
            org,
            "--password",
            "attacker-password-1",
        )
        yield url, process, admin(env, "create-token", "--org", org), server_tmp


def bodies(
    url: str, process: subprocess.Popen[bytes], token: str, server_tmp: Path
) -> list[tuple[str, str, str]]:
    rows = []
    with httpx.Client(base_url=url, timeout=120) as client:
        got = outcome(
            lambda: client.post(
                "/api/v1/applications",
                content=chunks(200 * MB),
                headers={"Content-Type": "application/json"},
            )
        )
        rows.append(
            (
                "anonymous chunked 200 MB POST",
                BEFORE["chunked"],
                f"{got}; server peak {peak_memory_mb(process.pid):.0f} MB",
            )
        )
        got = outcome(
            lambda: client.post(
                "/api/v1/applications",
                content=chunks(200 * MB),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
        )
        rows.append(
            (
                "vendor's chunked 200 MB POST",
                BEFORE["chunked"],
                f"{got}; server peak {peak_memory_mb(process.pid):.0f} MB",
            )
        )
        report = json.dumps({"report": {"padding": "x" * (50 * MB)}})
        got = outcome(
            lambda: client.post(
                "/api/v1/applications",
                content=report,
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
        )
        rows.append(
            (
                "vendor's 50 MB report",
                BEFORE["report"],
                f"{got}; server peak {peak_memory_mb(process.pid):.0f} MB",
            )
        )
        login = json.dumps({"email": "a@b.c", "password": 7, "pad": "x" * (20 * MB)})
        got = outcome(
            lambda: client.post(
                "/api/v1/auth/login", content=login, headers={"Content-Type": "application/json"}
            )
        )
        rows.append(("login with a 20 MB body", BEFORE["login"], got))
        with most_bytes_in(server_tmp) as most:
            got = outcome(
                lambda: client.post(
                    "/api/v1/applications/1/documents",
                    data={"kind": "declaration"},
                    files={"file": ("big.pdf", b"%PDF-1.7\n" + b"x" * (150 * MB))},
                )
            )
        rows.append(
            (
                "anonymous 150 MB upload",
                BEFORE["upload"],
                f"{got}; at most {most[0] / MB:.1f} MB in the server's TMPDIR; "
                f"server peak {peak_memory_mb(process.pid):.0f} MB",
            )
        )
    return rows


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="jcstar-attack-"))
    rows: list[tuple[str, str, str]] = []
    try:
        # each attack on a registry of its own: a block left by one must not explain another
        with registry(work / "spray") as (url, _process, _token, _tmp):
            rows.append(("spray, 1 success per 19 failures", BEFORE["spray"], spray(url, False)))
        with registry(work / "spray-xff") as (url, _process, _token, _tmp):
            rows.append(
                ("spray, new X-Forwarded-For each time", BEFORE["spray_xff"], spray(url, True))
            )
        with registry(work / "bodies") as (url, process, token, server_tmp):
            idle = peak_memory_mb(process.pid)
            rows.extend(bodies(url, process, token, server_tmp))
        rows.append(("(the server's peak when idle)", "", f"{idle:.0f} MB"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    for name, before, after in rows:
        if before:
            print(f"{name:<{width}}  before: {before}")
        print(f"{'' if before else name:<{width}}  after:  {after}")


if __name__ == "__main__":
    main()
