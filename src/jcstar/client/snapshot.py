"""A signed snapshot read offline: verified against the keys the user trusts, then used as a
``StatusSource`` with no network.

``verify_snapshot`` checks, in order: the signature file is a snapshot signature (its ``typ``;
a label's JWS is refused), made by a trusted key, over a snapshot header; the snapshot's
SHA-256 and line count are the signed ones. Each failure is a ``SnapshotError`` with one
line naming it. A snapshot past its ``next_update`` still verifies, flagged ``stale``: the
caller says so (the registry has published a newer one since), it does not pass silently.

``SnapshotStatusSource`` answers lookups from a verified snapshot. A million lines cost a
million ``LabelRecord`` objects if each were built, so each line is only scanned for its
registration number and model numbers (the canonical form puts both at the top level, and a
JSON string cannot hold an unescaped quote, so a key's first occurrence is the record's own)
and remembered by its offset in the file; a record is built for the lines a lookup matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mmap
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from jcstar.client.gc_paused import collection_paused
from jcstar.client.status import Lookup
from jcstar.labels.snapshot_format import (
    MAX_SIGNATURE_BYTES,
    SnapshotError,
    SnapshotHeader,
    read_signed_header,
)
from jcstar.labels.standing import LabelRecord, model_key
from jcstar.labels.verify import TrustedKeys

_CHUNK = 1 << 20
_DECODER = json.JSONDecoder()
_MODELS_KEY = '"model_numbers":'
_NUMBER_KEY = '"registration_no":'
_MODELS_START, _MODELS_END = b'"model_numbers":[', b'],"notices":'
_NUMBER_START, _NUMBER_END = b'"registration_no":"', b'","superseded_by":'
#: the matched lines' records, parsed in one call (less per-record overhead than one each)
_RECORDS = TypeAdapter(list[LabelRecord])


@dataclass(frozen=True)
class SnapshotInfo:
    """A verified snapshot: what its signature says, and by which key."""

    serial: int
    issued_at: dt.datetime
    next_update: dt.datetime
    count: int
    sha256: str
    issuer: str
    kid: str
    #: read after its next update: the registry has published a newer snapshot since
    stale: bool

    @classmethod
    def of(cls, header: SnapshotHeader, kid: str, now: dt.datetime) -> SnapshotInfo:
        return cls(
            serial=header.serial,
            issued_at=header.issued_at,
            next_update=header.next_update,
            count=header.count,
            sha256=header.sha256,
            issuer=header.issuer,
            kid=kid,
            stale=now > header.next_update,
        )


def _read_signature(sig_path: Path) -> str:
    try:
        if sig_path.stat().st_size > MAX_SIGNATURE_BYTES:
            raise SnapshotError(
                f"{sig_path}: larger than {MAX_SIGNATURE_BYTES} bytes; not a signature"
            )
        return sig_path.read_text(encoding="ascii")
    except OSError as exc:
        raise SnapshotError(f"cannot read signature {sig_path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{sig_path}: not a compact JWS (not ASCII)") from None


def _digest_and_lines(snapshot_path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    lines = 0
    try:
        with snapshot_path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                lines += chunk.count(b"\n")
    except OSError as exc:
        raise SnapshotError(
            f"cannot read snapshot {snapshot_path}: {exc.strerror or exc}"
        ) from None
    return digest.hexdigest(), lines


def verify_snapshot(
    snapshot_path: Path,
    sig_path: Path,
    jwks: dict[str, Any] | TrustedKeys,
    now: dt.datetime | None = None,
) -> SnapshotInfo:
    """The snapshot's signed facts, once its signature, digest and count check out with the
    given keys only; ``SnapshotError`` (one line) when anything does not."""
    trusted = jwks if isinstance(jwks, TrustedKeys) else TrustedKeys.from_jwks(jwks)
    header, kid = read_signed_header(_read_signature(sig_path), trusted)
    sha256, lines = _digest_and_lines(snapshot_path)
    if sha256 != header.sha256:
        raise SnapshotError(
            f"digest mismatch: {snapshot_path} has SHA-256 {sha256}, the signature covers "
            f"{header.sha256} (altered, truncated, or not the signed snapshot)"
        )
    if lines != header.count:  # the signed digest matched, so only a signer's mistake
        raise SnapshotError(f"{snapshot_path}: {lines} records, the signature says {header.count}")
    return SnapshotInfo.of(header, kid, now or dt.datetime.now(dt.UTC))


def _key(model_number: str) -> str:
    """``model_key``, with a fast path for printable ASCII (nearly every model number): NFKC
    leaves it as it is and case folding is ``lower``. A million lines index in a fifth of the
    time ``model_key`` alone takes (measured)."""
    if model_number.isascii() and model_number.isprintable():
        return " ".join(model_number.lower().split())
    return model_key(model_number)


def _value_after(line: str, key: str) -> Any:
    """The JSON value of the record's top-level ``key`` in a canonical line."""
    at = line.index(key) + len(key)
    return _DECODER.raw_decode(line, at)[0]


def _fields_decoded(raw: bytes) -> tuple[str, list[str]]:
    """A line's registration number and model keys through the JSON decoder (any line)."""
    line = raw.decode()
    number = _value_after(line, _NUMBER_KEY)
    models = _value_after(line, _MODELS_KEY)
    if not isinstance(number, str) or not isinstance(models, list):
        raise ValueError("not a label record")
    return number, list({_key(m) for m in models})


def line_fields(raw: bytes) -> tuple[str, list[str]]:
    """A canonical line's registration number and the keys of its model numbers (distinct).

    Sorted keys put ``"model_numbers":[…]`` right before ``,"notices":`` and
    ``"registration_no":"…"`` right before ``,"superseded_by":``; a JSON string cannot hold an
    unescaped quote, so those markers cannot occur inside a value. Without a backslash (an
    escape) in either value, the strings are the bytes between the quotes: found with four
    ``bytes.find`` instead of the JSON decoder (a third of the decoder's time, measured).
    Anything else (an escape, a field order this does not know) goes through the decoder.
    ``ValueError`` when the line is not a label record."""
    start = raw.find(_MODELS_START)
    end = raw.find(_MODELS_END, start)
    at = raw.find(_NUMBER_START, end)
    stop = raw.find(_NUMBER_END, at)
    if min(start, end, at, stop) < 0:
        return _fields_decoded(raw)
    listed = raw[start + len(_MODELS_START) : end]
    number = raw[at + len(_NUMBER_START) : stop]
    if b"\\" in listed or b"\\" in number:
        return _fields_decoded(raw)
    if not listed:
        return number.decode(), []
    if listed.isascii() and b" " not in listed and b"\x7f" not in listed:
        # printable ASCII without spaces (control characters come escaped): the key is the
        # lower case, as ``_key`` makes it
        keys = listed[1:-1].lower().decode().split('","')
    else:
        keys = [_key(m) for m in listed[1:-1].decode().split('","')]
    return number.decode(), keys if len(keys) == 1 else list(set(keys))


class SnapshotStatusSource:
    """A verified snapshot as a ``StatusSource``: no network; the file stays where it is and
    is read again for the records a lookup matches."""

    def __init__(
        self,
        path: Path,
        sig: Path,
        jwks: dict[str, Any] | TrustedKeys,
        now: dt.datetime | None = None,
    ) -> None:
        self.path = path
        self._offsets_by_number: dict[str, int] = {}
        #: model key → the offset of the first line listing it; ``_more_by_key``: the others
        self._first_by_key: dict[str, int] = {}
        self._more_by_key: dict[str, list[int]] = {}
        # the digest is taken in a thread while this one indexes (hashlib lets go of the GIL
        # for large blocks); the index is used only once the snapshot verified
        with ThreadPoolExecutor(max_workers=1) as verifier:
            verified = verifier.submit(verify_snapshot, path, sig, jwks, now)
            try:
                self._index()
            except SnapshotError:
                verified.result()  # an unverifiable snapshot says so first
                raise
            self.info = verified.result()

    @property
    def description(self) -> str:
        info = self.info
        when = f"{info.issued_at:%Y-%m-%d %H:%M} UTC" + (", stale" if info.stale else "")
        return f"snapshot {info.serial} of {info.issuer} ({when})"

    def _index(self) -> None:
        by_number, first, more = self._offsets_by_number, self._first_by_key, self._more_by_key
        offset = 0
        try:
            with self.path.open("rb") as handle, collection_paused():
                for raw in handle:
                    try:
                        number, keys = line_fields(raw)
                    except (UnicodeDecodeError, ValueError):  # a key or its value missing
                        raise SnapshotError(
                            f"{self.path}: the record at byte {offset} is not a label record"
                        ) from None
                    by_number[number] = offset
                    for key in keys:
                        if first.setdefault(key, offset) != offset:
                            more.setdefault(key, []).append(offset)
                    offset += len(raw)
        except OSError as exc:
            raise SnapshotError(
                f"cannot read snapshot {self.path}: {exc.strerror or exc}"
            ) from None

    def _offsets(self, model: str) -> list[int]:
        key = _key(model)
        found = self._first_by_key.get(key)
        return [] if found is None else [found, *self._more_by_key.get(key, ())]

    def _records(self, offsets: set[int]) -> dict[int, LabelRecord]:
        if not offsets:
            return {}
        ordered = sorted(offsets)
        with (
            self.path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view,
        ):
            lines = [view[offset : view.find(b"\n", offset)] for offset in ordered]
        with collection_paused():
            records = _RECORDS.validate_json(b"[" + b",".join(lines) + b"]")
        return dict(zip(ordered, records, strict=True))

    def lookup(self, models: Sequence[str], registrations: Sequence[str]) -> Lookup:
        model_offsets = {m: self._offsets(m) for m in models}
        number_offsets = {r: self._offsets_by_number.get(r.strip()) for r in registrations}
        wanted = {o for found in model_offsets.values() for o in found}
        wanted |= {o for o in number_offsets.values() if o is not None}
        records = self._records(wanted)
        # built from validated records: validating 100,000 entries again costs ~0.5 s
        return Lookup.model_construct(
            by_model={m: tuple(records[o] for o in found) for m, found in model_offsets.items()},
            by_registration={
                r: (None if o is None else records[o]) for r, o in number_offsets.items()
            },
        )
