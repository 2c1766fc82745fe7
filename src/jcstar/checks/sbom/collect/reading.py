"""The vendor's SBOM as the profile names it: one file (CycloneDX JSON, SPDX 2.x JSON or
tag-value), or SPDX split over many documents as Yocto writes it (a directory of them, its
``*.spdx.index.json``, or a ``.tar``/``.tar.zst`` of them) read as one SBOM.

How much is read is bounded (:data:`MAX_DOCUMENTS`, :data:`MAX_BYTES`): a larger SBOM is
refused as unsupported, naming the limit, before its documents are parsed.
"""

from __future__ import annotations

import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from jcstar.checks.base import CannotJudge
from jcstar.checks.sbom.collect.listing import SbomListing, listing
from jcstar.checks.spdx import (
    Listed,
    SpdxError,
    document_packages,
    is_spdx2,
    is_spdx3,
    json_packages,
    looks_like_tag_value,
    spdx3_refused,
    tag_value_packages,
)

#: documents of one multi-document SBOM: a Yocto image of a few hundred recipes writes a few
#: thousand (recipe, package and runtime documents); ten times that is no SBOM (our judgement)
MAX_DOCUMENTS = 20_000
#: bytes of SBOM read, all documents together (uncompressed): Yocto's documents list every
#: file of every package, so a large image's run to hundreds of MB (our judgement)
MAX_BYTES = 1024**3
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
INDEX_SUFFIX = ".spdx.index.json"


def read_sbom(path: Path) -> SbomListing:
    """The components the SBOM at ``path`` lists. CannotJudge ``unreachable`` when it
    cannot be read, ``unsupported`` when it is no SBOM this reads, malformed, or over the
    limits: one line naming the file (the document in a bundle) and what is wrong."""
    if path.is_dir():
        return _bundle(path, _directory(path))
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(len(ZSTD_MAGIC))
    except OSError as exc:
        raise CannotJudge(f"{path}: cannot read SBOM: {exc.strerror}", "unreachable") from None
    if head == ZSTD_MAGIC or (not head.startswith((b"{", b"[")) and _is_tar(path)):
        return _bundle(path, _tar(path))
    if size > MAX_BYTES:
        raise _over_bytes(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CannotJudge(f"{path}: cannot read SBOM: {exc.strerror}", "unreachable") from None
    return _one_file(raw, path)


def _one_file(raw: bytes, path: Path) -> SbomListing:
    text = _text(raw, str(path))
    if looks_like_tag_value(text):
        packages = tag_value_packages(text, str(path))
        return listing(_version_form(text, "tag-value"), packages)
    data = _json(text, str(path))
    if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
        # imported here: cyclonedx takes a quarter of a second to import
        from jcstar.checks.sbom.collect.cyclonedx import cyclonedx_listing

        return cyclonedx_listing(data, str(path))
    if is_spdx3(data):
        raise spdx3_refused(str(path))
    if is_spdx2(data):
        return listing(f"{data['spdxVersion']} JSON", json_packages(data, str(path)))
    if path.name.endswith(INDEX_SUFFIX):
        return _bundle(path, _indexed(path, data))
    raise CannotJudge(
        f'{path}: not a CycloneDX JSON SBOM (no "bomFormat": "CycloneDX") '
        'nor an SPDX document (no "spdxVersion")',
        "unsupported",
    )


def _text(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CannotJudge(f"{where}: SBOM is not JSON: {exc}", "unsupported") from None


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CannotJudge(
            f"{where}: SBOM is not JSON ({exc}) nor SPDX tag-value", "unsupported"
        ) from None


def _version_form(text: str, form: str) -> str:
    first = next((line for line in text.splitlines() if line.startswith("SPDXVersion:")), "")
    return f"{first.partition(':')[2].strip()} {form}"


# -- several documents, one SBOM ---------------------------------------------------------


def _document_name(name: str) -> bool:
    """Yocto names each document ``<recipe or package>.spdx.json``; other files beside them
    (its index, hash links) are not documents."""
    return name.endswith((".spdx.json", ".spdx")) and not name.endswith(INDEX_SUFFIX)


def _bundle(path: Path, documents: Iterator[tuple[str, bytes]]) -> SbomListing:
    """Every package of every document ``documents`` yields (its name, its bytes), within
    the limits; each document must be SPDX 2.x, JSON or tag-value."""
    packages: list[Listed] = []
    count = 0
    for name, raw in documents:
        count += 1
        where = f"{path}:{name}"
        packages += document_packages(_text(raw, where), where)
    if count == 0:
        raise CannotJudge(f"{path}: no SPDX documents (*.spdx.json, *.spdx) in it", "unsupported")
    return listing(f"{count} SPDX document(s)", packages)


class _Budget:
    """Counts documents and bytes, refusing the SBOM at the first one over a limit."""

    def __init__(self, path: Path) -> None:
        self.path, self.documents, self.bytes = path, 0, 0

    def document(self) -> None:
        self.documents += 1
        if self.documents > MAX_DOCUMENTS:
            raise CannotJudge(
                f"{self.path}: more than {MAX_DOCUMENTS} SPDX documents (the limit): not read",
                "unsupported",
            )

    def spend(self, size: int) -> None:
        self.bytes += size
        if self.bytes > MAX_BYTES:
            raise _over_bytes(self.path)


def _over_bytes(path: Path) -> CannotJudge:
    return CannotJudge(
        f"{path}: SBOM over {MAX_BYTES:,} bytes (the limit): not read", "unsupported"
    )


def _directory(path: Path) -> Iterator[tuple[str, bytes]]:
    """The SPDX documents anywhere under ``path`` (Yocto's deploy/spdx tree), in name
    order; symlinks are not followed."""
    budget = _Budget(path)
    found: list[tuple[str, Path]] = []
    for here, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            host = Path(here) / name
            if not _document_name(name) or host.is_symlink() or not host.is_file():
                continue
            budget.document()
            budget.spend(host.stat().st_size)
            found.append((host.relative_to(path).as_posix(), host))
    for name, host in found:
        yield name, _read(host)


def _indexed(index: Path, data: Any) -> Iterator[tuple[str, bytes]]:
    """The documents Yocto's ``IMAGE.spdx.index.json`` lists, beside it."""
    documents = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(documents, list):
        raise SpdxError(f"{index}: malformed SPDX index: documents: expected a list")
    budget = _Budget(index)
    base = index.parent.resolve()
    hosts = []
    for number, entry in enumerate(documents):
        name = entry.get("filename") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise SpdxError(f"{index}: malformed SPDX index: documents.{number}.filename: missing")
        host = (base / name).resolve()
        if not host.is_relative_to(base):
            raise SpdxError(
                f"{index}: malformed SPDX index: documents.{number}.filename: "
                f"{name!r} is outside the index's directory"
            )
        budget.document()
        hosts.append((name, host))
    for name, host in hosts:
        try:
            budget.spend(host.stat().st_size)  # before reading: a huge document is never read
        except OSError as exc:
            raise CannotJudge(f"{host}: cannot read SBOM: {exc.strerror}", "unreachable") from None
        yield name, _read(host)


def _read(host: Path) -> bytes:
    try:
        return host.read_bytes()
    except OSError as exc:
        raise CannotJudge(f"{host}: cannot read SBOM: {exc.strerror}", "unreachable") from None


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def _tar(path: Path) -> Iterator[tuple[str, bytes]]:
    """The SPDX documents in a tar (plain, gzip, xz, bzip2 or zstd), read as a stream:
    every member's size counts against the limit, documents or not."""
    budget = _Budget(path)
    try:
        with (
            path.open("rb") as raw,
            _decompressed(raw, path) as stream,
            tarfile.open(fileobj=stream, mode="r|*") as tar,
        ):
            for member in tar:
                if not member.isfile():
                    continue
                budget.spend(member.size)
                if not _document_name(member.name):
                    continue
                budget.document()
                extracted = tar.extractfile(member)
                if extracted is not None:
                    yield member.name.removeprefix("./"), extracted.read()
    except _TAR_ERRORS + _zstd_errors() as exc:
        if isinstance(exc, CannotJudge):
            raise
        raise CannotJudge(
            f"{path}: not a readable tar of SPDX documents: {exc}", "unsupported"
        ) from None


_TAR_ERRORS: tuple[type[Exception], ...] = (tarfile.TarError, EOFError, OSError, ValueError)


def _zstd_errors() -> tuple[type[Exception], ...]:
    """What a corrupt zstd stream raises (zstandard's own error, no OSError)."""
    try:
        import zstandard
    except ImportError:
        return ()
    return (zstandard.ZstdError,)


def _decompressed(raw: IO[bytes], path: Path) -> IO[bytes]:
    if raw.read(len(ZSTD_MAGIC)) != ZSTD_MAGIC:
        raw.seek(0)
        return raw
    raw.seek(0)
    try:
        import zstandard  # the firmware extra (unblob's ubi-reader needs it as well)
    except ImportError:
        raise CannotJudge(
            f"{path}: reading a .tar.zst needs the zstandard package (the firmware extra)",
            "unsupported",
        ) from None
    return zstandard.ZstdDecompressor().stream_reader(raw)
