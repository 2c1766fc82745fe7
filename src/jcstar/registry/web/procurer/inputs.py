"""A procurement check's inputs from a form: the uploaded model list, the policy (shipped by
name, or a sector body's file), and the list carried from the result page to its downloads
and to the watch list without storing anything.

``procurement`` reads files from paths (as the CLI gives them): an upload is written to a
temporary directory under its own base name (its ending says CSV or XLSX) and read there; a
problem is the reader's one line with the directory left out, so it names the file the user
chose."""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import TypeAdapter, ValidationError

from jcstar.procurement.evaluate import ModelLine
from jcstar.procurement.lint import lint_policy
from jcstar.procurement.loader import (
    PolicyError,
    load_policy,
    load_policy_file,
    shipped_policy_names,
)
from jcstar.procurement.model_list import ModelListError, read_model_list
from jcstar.procurement.models import Policy
from jcstar.registry.errors import TooLarge, Unprocessable

#: our judgement: a sector body's policy is a few pages of YAML
MAX_POLICY_BYTES = 256 * 1024
#: our judgement: lines in one check on the portal (a 10,000-line list checks in about
#: a second; the CLI takes any length)
MAX_LINES = 20_000
#: a carried list unpacked: at most this many bytes of JSON (MAX_LINES lines of long cells)
_MAX_UNPACKED = 32 * 1024 * 1024

T = TypeVar("T")


def _safe_name(filename: str, fallback: str) -> str:
    name = Path(filename.replace("\\", "/")).name.replace("\x00", "").strip()
    return name[:120] if name and name not in (".", "..") else fallback


def _from_temporary(filename: str, content: bytes, fallback: str, read: Callable[[Path], T]) -> T:
    with tempfile.TemporaryDirectory(prefix="jcstar-upload-") as folder:
        path = Path(folder) / _safe_name(filename, fallback)
        path.write_bytes(content)
        try:
            return read(path)
        except (ModelListError, PolicyError) as exc:
            raise Unprocessable(str(exc).replace(f"{folder}/", "")) from None


def model_list(filename: str, content: bytes) -> tuple[ModelLine, ...]:
    """The lines of an uploaded CSV or XLSX model list (``procurement.model_list``)."""
    lines = _from_temporary(filename, content, "models.csv", read_model_list)
    if len(lines) > MAX_LINES:
        raise Unprocessable(
            f"{filename}: {len(lines):,} lines; the portal checks at most {MAX_LINES:,} at once "
            "(split the list, or use jcstar procure check)"
        )
    return lines


def policy(name: str, upload: tuple[str, bytes] | None) -> Policy:
    """A shipped policy by name, or (``name`` "file") the uploaded policy file, validated and
    linted as ``jcstar procure check --policy FILE`` does."""
    if name != "file":
        if name not in shipped_policy_names():
            raise Unprocessable(f"policy: unknown policy {name!r}")
        return load_policy(name)
    if upload is None:
        raise Unprocessable("policy file: choose the policy's YAML file")
    filename, content = upload
    if len(content) > MAX_POLICY_BYTES:
        raise TooLarge(f"{filename}: a policy file is at most {MAX_POLICY_BYTES} bytes")
    return _from_temporary(filename, content, "policy.yaml", _linted)


def _linted(path: Path) -> Policy:
    loaded = load_policy_file(path)
    problems = lint_policy(loaded, path.name)
    if problems:
        raise Unprocessable(str(problems[0]))
    return loaded


def check_product_types(
    found: Policy, product_type: str | None, lines: Sequence[ModelLine]
) -> None:
    """Every product type given (the form's, a line's column) is one of the policy's."""
    known = [t.id for t in found.product_types]
    for where, type_id in [("product type", product_type)] + [
        (f"{line.source}: product_type", line.product_type) for line in lines
    ]:
        if type_id is not None and type_id not in known:
            names = ", ".join(known) if known else "none"
            raise Unprocessable(
                f"{where} {type_id}: not a product type of policy {found.id} (known: {names})"
            )


_Row = tuple[str, str | None, str | None, int, str | None, str | None]
_ROWS = TypeAdapter(list[_Row])


def pack(lines: Sequence[ModelLine]) -> str:
    """The lines as one form field: compact JSON, compressed, base64 (a 10,000-line list is
    a few hundred kilobytes at most, within a form field's limit)."""
    rows = [[x.model, x.vendor, x.firmware, x.quantity, x.product_type, x.source] for x in lines]
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(data, 6)).decode("ascii")


def unpack(packed: str) -> tuple[ModelLine, ...]:
    """The lines ``pack`` carried, validated again (the field comes back from the browser)."""
    damaged = Unprocessable("the checked list did not come back whole: check the list again")
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.urlsafe_b64decode(packed.encode("ascii")), _MAX_UNPACKED)
        if inflater.unconsumed_tail:
            raise damaged
        rows = _ROWS.validate_json(data)
        lines = tuple(
            ModelLine(model=m, vendor=v, firmware=f, quantity=q, product_type=t, source=s)
            for m, v, f, q, t, s in rows
        )
    except (binascii.Error, zlib.error, UnicodeError, ValueError, ValidationError):
        raise damaged from None
    if not lines or len(lines) > MAX_LINES:
        raise damaged
    return lines
