"""The vendor's SBOM (and the vulnerability feed beside it) the SBOM checks read: for a
product whose vendor can hand over a software bill of materials but not a firmware image.

The report's ``inputs[]`` names every file the SBOM reader read, so a verdict can be traced
to the bytes behind it: the file the profile names (``sbom``: one document, a tar of them,
or Yocto's index), and each SPDX document read from a directory or listed by an index
(``sbom_document``, named by its path below the directory or as the index lists it). The
documents are walked with the reader's own walks and limits (``checks/sbom/collect/
reading.py``), so the list is the reader's, and as bounded. A tar's members are covered by
the tar's own digest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from jcstar.assessment.models import InputDigest, ProductProfile
from jcstar.assessment.targets.base import Finished
from jcstar.checks.base import SBOM, CannotJudge, CheckInput
from jcstar.checks.sbom.collect.params import SbomParams

#: report ``inputs[].role`` of each file the ``sbom:`` section names
INPUT_ROLES = {"file": "sbom", "vuln_feed": "vulnerability_feed"}
#: ... and of each document read from a directory or an index
DOCUMENT_ROLE = "sbom_document"


@dataclass(frozen=True)
class SbomInputs:
    name: str = SBOM

    def present(self, profile: ProductProfile) -> bool:
        return profile.sbom is not None

    def prepare(
        self, profile: ProductProfile, base_dir: Path, resources: ExitStack | None
    ) -> Mapping[str, object]:
        assert profile.sbom is not None
        # paths in the profile are relative to its directory, as documents are
        return {"extra": {self.name: profile.sbom.resolved(base_dir)}}

    async def finish(self, given: CheckInput, used: bool) -> Finished:
        params = given.extra.get(self.name)
        if not isinstance(params, SbomParams):
            return Finished()
        digests: list[InputDigest] = []
        for field, role in INPUT_ROLES.items():
            value = getattr(params, field)
            if value is None:
                continue
            path = Path(value)
            if role == "sbom":
                digests += await asyncio.to_thread(sbom_digests, path)
                continue
            try:
                sha256 = await asyncio.to_thread(_sha256, path)
            except OSError:  # not there: the check's attempt says so (unreachable)
                continue
            digests.append(InputDigest(role=role, name=path.name, sha256=sha256))
        return Finished(digests=tuple(digests))


def sbom_digests(path: Path) -> list[InputDigest]:
    """The digest of every file the SBOM reader reads for ``path``: the file itself, and
    the documents of a directory or an index. Where the reader stops (over a limit, a
    document it cannot read), so does this list: the check's attempt says why."""
    # the reader needs the sbom extra (packageurl): imported when an SBOM is read, not
    # when a command's --help loads the targets (tests/cli/test_cli_startup.py)
    from jcstar.checks.sbom.collect.reading import INDEX_SUFFIX, _directory

    if path.is_dir():
        return list(_document_digests(_directory(path), f"{path.name}/"))
    try:
        own = InputDigest(role="sbom", name=path.name, sha256=_sha256(path))
    except OSError:  # not there: the check's attempt says so (unreachable)
        return []
    if not path.name.endswith(INDEX_SUFFIX):
        return [own]
    return [own, *_document_digests(_index_documents(path), "")]


def _index_documents(index: Path) -> Iterator[tuple[str, bytes]]:
    """The documents an index lists, as the reader reads them (nothing for an index it
    cannot read)."""
    from jcstar.checks.sbom.collect.reading import MAX_BYTES, _indexed

    try:
        if index.stat().st_size > MAX_BYTES:
            return
        data = json.loads(index.read_bytes())
    except (OSError, ValueError):
        return
    yield from _indexed(index, data)


def _document_digests(documents: Iterator[tuple[str, bytes]], prefix: str) -> Iterator[InputDigest]:
    try:
        for name, raw in documents:
            sha256 = hashlib.sha256(raw).hexdigest()
            yield InputDigest(role=DOCUMENT_ROLE, name=prefix + name, sha256=sha256)
    except CannotJudge:
        return  # the reader refused here too: what it read so far is listed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
