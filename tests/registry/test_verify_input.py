"""``jcstar label verify`` never crashes on hostile input: a JWS whose header is not a JSON
object, and an image that would decompress to gigabytes, are one-line errors with exit 2,
the image refused from its header within a fixed memory bound (the process runs with a
1 GiB address-space limit: decoding the image would take 1.6 GB)."""

from __future__ import annotations

import base64
import json
import os
import resource
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from jcstar.labels import Keyring

JCSTAR = (sys.executable, "-m", "jcstar")
MEMORY_LIMIT = 1024**3


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def verify(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    return subprocess.run(
        [*JCSTAR, "label", "verify", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )


@pytest.fixture
def jwks(tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(Keyring.load_or_create(tmp_path / "keys").jwks()))
    return path


def _png_bomb(path: Path, side: int = 40_000) -> Path:
    """A 1-bit PNG of ``side`` x ``side`` white pixels: ~1.5 MB on disk for 40,000."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    pieces = [packer.compress(row * 1000) for _ in range(side // 1000)]
    pieces.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    png += chunk(b"IDAT", b"".join(pieces)) + chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


@pytest.mark.parametrize("header", [b"[1, 2]", b"1", b'"alg"', b"null", b"[" * 3000])
@pytest.mark.parametrize("url", ["", "https://registry.test/p/JC1-2026-000001#"])
def test_a_jws_whose_header_is_not_an_object_is_exit_2(
    tmp_path: Path, jwks: Path, header: bytes, url: str
) -> None:
    token = f"{url}{_b64(header)}.{_b64(b'{}')}.{_b64(b'sig')}"
    done = verify(token, "--jwks", str(jwks), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "header is not a JSON object" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_an_image_that_decompresses_to_gigabytes_is_exit_2(tmp_path: Path, jwks: Path) -> None:
    bomb = _png_bomb(tmp_path / "label.png")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    done = verify(str(bomb), "--jwks", str(jwks), cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().count("\n") == 0
    assert "larger than a label's image may be" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_large_image_is_refused_from_its_header(tmp_path: Path, jwks: Path) -> None:
    # under Pillow's own limit (a warning only), over ours: refused before decoding
    big = _png_bomb(tmp_path / "big.png", side=9_000)
    done = verify(str(big), "--jwks", str(jwks), cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "9000x9000 pixels is larger than a label's image may be" in done.stderr
